"""The litellm transport: Anthropic, Gemini, Bedrock, Azure, Vertex AI and the other providers
litellm speaks, behind the same retries, budgets, cost accounting and record as the openai SDK.

Only the sending of one attempt differs: ``litellm.completion`` turns the OpenAI-style request
into the provider's own API and its answer back into a chat completion, which then gets the same
checks as any reply (:func:`~rewardsmith.llm.transport.completion_from_data`). litellm's own
retries are off (``num_retries=0``, ``max_retries=0``) so every attempt goes through the client's
policy and record; parameters a provider does not take (``n`` for Anthropic) are dropped, and
the client tops up the missing choices as it does for servers that ignore ``n``.

Cost: litellm's price map where it knows the model (it is maintained with the providers' price
lists), else rewardsmith's table; a configured price beats both. Each record says which.

litellm is imported here only, when this transport is chosen: the import takes about two
seconds, and at import litellm would fetch its price map from GitHub and read a ``.env`` file
into the environment. ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (use the bundled price map) and
``LITELLM_MODE=PRODUCTION`` (no ``.env``) are set first unless the user set them, and telemetry
is switched off, so nothing leaves the machine but the requests themselves.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

from rewardsmith.llm.config import LLMConfig
from rewardsmith.llm.errors import LLMConfigError, LLMError
from rewardsmith.llm.failures import ErrorHints, ReplyFault, to_llm_error
from rewardsmith.llm.pricing import COST_FROM_LITELLM, CostEstimate, table_cost
from rewardsmith.llm.providers import INSTALL_HINT, OPENAI_PROVIDER, provider_of
from rewardsmith.llm.transport import Completion, completion_from_data

logger = logging.getLogger(__name__)

# Environment litellm reads at import; each is set only when the user has not chosen a value.
LITELLM_IMPORT_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # the bundled price map, no download at import
    "LITELLM_MODE": "PRODUCTION",  # no dotenv.load_dotenv() of a stray .env file
}
# litellm's own logging thread serialises its response models loosely after every call, and
# pydantic warns each time; the warning is about litellm's internals, not the reply we read.
SERIALIZER_WARNING = "Pydantic serializer warnings"


def import_litellm() -> Any:
    """Import litellm with no network at import and no telemetry, or explain how to install it.

    Raises:
        LLMConfigError: litellm is not installed (one line with the pip command).
    """
    for name, value in LITELLM_IMPORT_ENV.items():
        os.environ.setdefault(name, value)
    try:
        import litellm
    except ImportError:
        raise LLMConfigError(f"litellm is not installed (needed for models of other "
                             f"providers): {INSTALL_HINT}") from None
    litellm.telemetry = False
    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner on each error
    warnings.filterwarnings("ignore", message=SERIALIZER_WARNING, category=UserWarning)
    return litellm


class LiteLLMTransport:
    """Sends each attempt through ``litellm.completion``.

    Keys: an ``api_key`` from the config (``--base-url`` setups, the ``[llm]`` section) is
    passed on; otherwise litellm reads the provider's own variables (``ANTHROPIC_API_KEY``,
    ``GEMINI_API_KEY``, AWS credentials for Bedrock, ``AZURE_API_KEY``/``AZURE_API_BASE``...).
    A ``base_url`` becomes litellm's ``api_base``; a model without a provider prefix then goes
    through litellm's OpenAI-compatible route.
    """

    name = "litellm"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._litellm = import_litellm()
        self.provider = provider_of(config.model)
        self._price = config.price_override()
        self._options: dict[str, Any] = {
            "timeout": config.timeout_s,
            "max_retries": 0,  # the SDK's retries under litellm's OpenAI-style providers
            "num_retries": 0,  # litellm's own
            "drop_params": True,  # n, temperature: what a provider refuses is left out
        }
        if config.base_url:
            self._options["api_base"] = config.base_url
            if self.provider is None:
                self._options["custom_llm_provider"] = OPENAI_PROVIDER
        if config.api_key is not None:
            self._options["api_key"] = config.secret_key()
        self.hints = self._hints()

    def _hints(self) -> ErrorHints:
        """Fixes that name the provider's own variables (litellm knows which it reads)."""
        missing: list[str] = []
        if self.config.api_key is None:
            try:
                found = self._litellm.validate_environment(model=self.config.model,
                                                           api_base=self.config.base_url)
                missing = [str(k) for k in found.get("missing_keys") or []]
            except Exception as exc:  # noqa: BLE001 - only a hint; litellm raises plain Exception
                logger.debug("litellm.validate_environment(%r) failed: %s", self.config.model,
                             exc)
        if missing:
            logger.warning("litellm: model %s usually needs %s, which %s not set",
                           self.config.model, " and ".join(missing),
                           "is" if len(missing) == 1 else "are")
        who = self.provider or "the provider"
        keys = " / ".join(missing) if missing else f"{who}'s API key variable"
        return ErrorHints(
            auth=f"the key was rejected or is missing: set {keys} (litellm reads {who}'s own "
                 f"variables, not OPENAI_API_KEY), or api_key in [llm].",
            not_found=f"check --model: litellm names models <provider>/<model>, e.g. "
                      f"anthropic/claude-sonnet-4-5; is {self.config.model!r} served by {who}?",
            connection=f"Check the network and {who}'s status; with --base-url, check that "
                       f"the URL is right.",
        )

    def send(self, params: dict[str, Any], *, n: int) -> Completion:
        """One ``litellm.completion`` call, checked like any reply.

        The whole attempt has a deadline of twice ``timeout_s`` (litellm's timeout covers the
        wait for each read, not a server that drips its answer), as the openai transport has.

        Raises:
            openai.OpenAIError: litellm's errors derive from the SDK's (timeouts, HTTP status).
            ReplyFault: the answer is no usable chat completion, or it did not finish in time.
        """
        cfg = self.config
        kwargs = {**params, **self._options}
        response = _call_with_deadline(lambda: self._litellm.completion(**kwargs),
                                       2 * cfg.timeout_s)
        # warnings off: litellm's own models trip pydantic's serializer checks on every reply
        data = response.model_dump(warnings=False) if hasattr(response, "model_dump") \
            else response
        if not isinstance(data, dict):
            raise ReplyFault("not_json", f"litellm returned a {type(data).__name__}")
        usage = data.get("usage")
        if isinstance(usage, dict) and not usage.get("prompt_tokens") and \
                not usage.get("completion_tokens"):
            data = {**data, "usage": None}  # litellm fills zeros when the server sent none
        return completion_from_data(data, max_reply_chars=cfg.max_reply_chars)

    def cost(self, prompt_tokens: int, completion_tokens: int,
             reply_model: str | None = None) -> CostEstimate:
        """The config's price, else litellm's price map (the configured model, then the model
        that answered), else rewardsmith's table, else $0 with a note."""
        if self._price is not None:
            return table_cost(self.config.model, prompt_tokens, completion_tokens, self._price)
        for name in dict.fromkeys(m for m in (self.config.model, reply_model) if m):
            try:
                prompt_usd, completion_usd = self._litellm.cost_per_token(
                    model=name, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
            except Exception:  # noqa: BLE001, S112 - litellm raises plain Exception for "not mapped"
                continue
            return CostEstimate(float(prompt_usd) + float(completion_usd), COST_FROM_LITELLM)
        return table_cost(self.config.model, prompt_tokens, completion_tokens)

    def to_llm_error(self, exc: BaseException, *, attempts: int,
                     elapsed_s: float | None = None) -> LLMError:
        """The final error, with fixes that name the provider's variables."""
        cfg = self.config
        return to_llm_error(exc, endpoint=cfg.endpoint(), model=cfg.model,
                            timeout_s=cfg.timeout_s, attempts=attempts, elapsed_s=elapsed_s,
                            hints=self.hints)

    def close(self) -> None:
        """Nothing to close: litellm keeps its HTTP clients in a cache of its own."""


def _call_with_deadline(call: Callable[[], Any], seconds: float) -> Any:
    """Run ``call`` in a helper thread and give up waiting after ``seconds``.

    A call that is given up on finishes (or fails) on its own in the background when its
    connection closes; its answer is dropped.

    Raises:
        ReplyFault: ``body_timeout`` when the deadline passed first.
        BaseException: whatever ``call`` raised.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="rewardsmith-litellm", daemon=True).start()
    if not done.wait(seconds):
        raise ReplyFault("body_timeout", f"no complete reply {seconds:g} s after the request "
                                         f"was sent")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
