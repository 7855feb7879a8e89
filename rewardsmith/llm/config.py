"""How rewardsmith reaches its LLM: model, endpoint, key, limits and budgets.

Settings come from three places, highest priority first: explicit arguments (the CLI's
``--model`` / ``--base-url``), environment variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``REWARDSMITH_MODEL``, ``REWARDSMITH_LLM_BACKEND``), and the ``[llm]`` section of a TOML file
(``~/.config/rewardsmith/config.toml`` by default). The same names as the ``openai`` SDK's
environment variables are used so an existing setup works unchanged.

Two transports carry the requests (:mod:`rewardsmith.llm.providers` picks one): the ``openai``
SDK for bare model names and OpenAI-compatible endpoints, and litellm (the optional
``rewardsmith[litellm]`` extra) for a model named with another provider's prefix
(``anthropic/...``, ``gemini/...``, ``bedrock/...``). litellm reads that provider's own key
(``ANTHROPIC_API_KEY``, ...), so ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are not handed to
it: an OpenAI key never travels to another company. ``backend = "litellm"`` forces litellm for
any model (with ``--base-url``, litellm's OpenAI-compatible route); ``"openai"`` forces the SDK.

The API key is a :class:`pydantic.SecretStr`: ``repr``, ``str`` and JSON dumps show ``**********``,
so a config can be logged or written to ``run.json`` without leaking it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from rewardsmith.errors import describe_validation_error
from rewardsmith.llm.errors import LLMConfigError
from rewardsmith.llm.pricing import ModelPrice
from rewardsmith.llm.providers import (
    INSTALL_HINT,
    Backend,
    litellm_installed,
    needs_litellm,
    provider_of,
)

ENV_API_KEY = "OPENAI_API_KEY"
ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_MODEL = "REWARDSMITH_MODEL"
ENV_BACKEND = "REWARDSMITH_LLM_BACKEND"

DEFAULT_MODEL = "gpt-4o-mini"


def default_config_path() -> Path:
    """Return ``$XDG_CONFIG_HOME/rewardsmith/config.toml`` (``~/.config/...`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "rewardsmith" / "config.toml"


class LLMConfig(BaseModel):
    """Settings of one LLM endpoint. Build it with :meth:`load` to apply the priority order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(
        DEFAULT_MODEL, description="Model name sent to the endpoint; a provider prefix "
        "litellm knows (anthropic/..., gemini/..., bedrock/..., azure/...) goes through litellm."
    )
    backend: Literal["auto", "openai", "litellm"] = Field(
        "auto", description="Which transport sends requests: auto (litellm for a provider "
        "prefix, else the openai SDK), openai, or litellm (any model; with base_url through "
        "litellm's OpenAI-compatible route)."
    )
    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (vLLM)."
    )
    api_key: SecretStr | None = Field(None, description="API key; never logged.")
    timeout_s: float = Field(120.0, gt=0, description="Per-request timeout in seconds.")
    max_retries: int = Field(4, ge=0, description="Retries after the first attempt.")
    timeout_retries: int = Field(
        1, ge=0, description="Retries after an attempt timed out (at most max_retries): each "
        "costs a whole timeout_s, and a server that hung once mostly hangs again."
    )
    max_reply_chars: int = Field(
        100_000, ge=1_000, description="Longest reply text kept per choice; a longer one is "
        "cut (a reward program is at most 64 kB, and repairs send the reply back)."
    )
    max_concurrency: int = Field(4, ge=1, description="HTTP requests in flight at once.")
    max_cost_usd: float | None = Field(None, ge=0, description="Stop before spending more.")
    max_tokens_total: int | None = Field(None, ge=0, description="Stop before using more.")
    temperature: float = Field(1.0, ge=0, description="Default sampling temperature.")
    backoff_base_s: float = Field(
        1.0, ge=0, description="First retry waits about this long; doubles each retry."
    )
    backoff_max_s: float = Field(30.0, ge=0, description="Longest wait between two retries.")
    prompt_price_per_mtok: float | None = Field(
        None, ge=0, description="USD per million prompt tokens; overrides the price table."
    )
    completion_price_per_mtok: float | None = Field(
        None, ge=0, description="USD per million completion tokens; overrides the price table."
    )

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str | None) -> str | None:
        # a typo here would otherwise surface as connection errors retried for a minute
        if value is None or value == "":
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host, e.g. "
                             "http://localhost:8000/v1")
        return value

    @classmethod
    def load(
        cls,
        config_path: str | Path | None = None,
        *,
        env: dict[str, str] | None = None,
        **overrides: Any,
    ) -> LLMConfig:
        """Build a config from explicit args > environment > TOML file > defaults.

        Args:
            config_path: a TOML file with an ``[llm]`` section. ``None`` reads the default path
                if it exists; an explicit path that does not exist is an error, because the
                user asked for it.
            env: the environment to read (``os.environ`` when ``None``); tests pass a dict.
            **overrides: explicit settings (e.g. from CLI flags); ``None`` values are ignored
                so an unset flag does not hide the environment or the file.

        Returns:
            The merged, validated config.

        Raises:
            LLMConfigError: the file is unreadable, is not valid TOML, or has unknown keys or
                bad values; or the model needs litellm and it is not installed.
        """
        env = dict(os.environ) if env is None else env
        values: dict[str, Any] = _read_toml_section(config_path)
        values.update({k: v for k, v in {"model": env.get(ENV_MODEL),
                                         "backend": env.get(ENV_BACKEND)}.items() if v})
        explicit = {k: v for k, v in overrides.items() if v is not None}
        if not _other_provider({**values, **explicit}):
            # the openai SDK's own variables serve the openai path (and litellm's openai route)
            values.update({k: v for k, v in {"api_key": env.get(ENV_API_KEY),
                                             "base_url": env.get(ENV_BASE_URL)}.items() if v})
        values.update(explicit)
        try:
            config = cls(**values)
        except ValidationError as exc:
            raise LLMConfigError(
                f"Invalid LLM settings: {describe_validation_error(exc)}. Check the [llm] "
                f"section of {config_path or default_config_path()}, the environment variables "
                f"{ENV_API_KEY}/{ENV_BASE_URL}/{ENV_MODEL}/{ENV_BACKEND}, and the command-line "
                f"flags."
            ) from None
        config.check_backend()
        return config

    def resolved_backend(self) -> Backend:
        """The transport that sends this config's requests: ``"openai"`` or ``"litellm"``."""
        if self.backend != "auto":
            return self.backend
        return "litellm" if needs_litellm(self.model) else "openai"

    def check_backend(self) -> None:
        """Fail now, in one line, when the chosen transport is litellm and it is not installed.

        Raises:
            LLMConfigError: litellm is needed but cannot be imported.
        """
        if self.resolved_backend() == "litellm" and not litellm_installed():
            why = (f"model {self.model!r} names a provider that rewardsmith reaches through "
                   f"litellm" if self.backend == "auto" else 'backend = "litellm" was chosen')
            raise LLMConfigError(f"{why}, but litellm is not installed: {INSTALL_HINT}")

    def is_configured(self) -> bool:
        """Return True when there is somewhere to send requests.

        For the openai SDK that is an endpoint URL or a key; litellm finds the provider's own
        key (``ANTHROPIC_API_KEY``, AWS credentials, ...) itself, so a litellm model counts as
        configured and a missing key is reported by the first request.
        """
        if self.resolved_backend() == "litellm":
            return True
        return bool(self.base_url) or self.api_key is not None

    def endpoint(self) -> str:
        """Return the URL requests go to, for messages and records: credentials removed.

        A litellm provider without a URL is named ``litellm:<provider>`` (litellm knows its
        address).
        """
        if self.resolved_backend() == "litellm" and not self.base_url:
            return f"litellm:{provider_of(self.model) or 'auto'}"
        parts = urlsplit(self.base_url or "https://api.openai.com/v1")
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def secret_key(self) -> str | None:
        """Return the API key in clear text. Only the SDK client should receive it."""
        return None if self.api_key is None else self.api_key.get_secret_value()

    def price_override(self) -> ModelPrice | None:
        """Return the configured price, if either part is set; the table is used otherwise."""
        if self.prompt_price_per_mtok is None and self.completion_price_per_mtok is None:
            return None
        return ModelPrice(self.prompt_price_per_mtok or 0.0, self.completion_price_per_mtok or 0.0)

    def public_dict(self) -> dict[str, Any]:
        """Return the settings for ``run.json`` and logs: the key replaced by "set"/"unset"."""
        data = self.model_dump(exclude={"api_key"})
        data["api_key"] = "set" if self.api_key is not None else "unset"
        return data


def _other_provider(values: dict[str, Any]) -> bool:
    """Whether these settings send requests to a provider other than OpenAI (via litellm)."""
    return values.get("backend", "auto") != "openai" and needs_litellm(
        str(values.get("model") or DEFAULT_MODEL))


def _read_toml_section(config_path: str | Path | None) -> dict[str, Any]:
    """Return the ``[llm]`` table of the config file, or ``{}`` when there is no file."""
    explicit = config_path is not None
    path = Path(config_path).expanduser() if explicit else default_config_path()
    if not path.is_file():
        if explicit:
            raise LLMConfigError(
                f"LLM config file {path} does not exist. Create it with an [llm] section "
                f'(e.g. model = "gpt-4o-mini") or drop the --config option.'
            )
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LLMConfigError(f"Could not read LLM config file {path}: {exc}.") from None
    section = data.get("llm", {})
    if not isinstance(section, dict):
        raise LLMConfigError(f"In {path}, 'llm' must be a table ([llm]), got {section!r}.")
    unknown = sorted(set(section) - set(LLMConfig.model_fields))
    if unknown:
        raise LLMConfigError(
            f"Unknown key(s) {unknown} in the [llm] section of {path}. "
            f"Expected some of: {sorted(LLMConfig.model_fields)}."
        )
    return dict(section)
