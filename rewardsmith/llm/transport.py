"""How requests reach the endpoint: the transport that sends one attempt and the reply's checks.

A :class:`Transport` sends one attempt and hands back a checked :class:`Completion`; the client
(:class:`~rewardsmith.llm.client.LLMClient`) owns everything around it: retries, budgets,
accounting and the record. Two transports exist: :class:`OpenAITransport` here (the ``openai``
SDK, for OpenAI and any OpenAI-compatible server) and
:class:`~rewardsmith.llm.litellm_transport.LiteLLMTransport` (other providers, optional extra).
Both raise ``openai.OpenAIError`` subclasses (litellm's exceptions derive from the SDK's) or a
:class:`~rewardsmith.llm.failures.ReplyFault`, so one retry policy
(:mod:`~rewardsmith.llm.failures`) serves both.

The SDK's own retries are switched off (``max_retries=0``) so that every attempt goes through
that policy: it is counted in the client's totals, recorded and logged, and the final error says
what the endpoint answered and how to fix it.

The reply body is read here, not parsed by the SDK, because an endpoint (or a proxy in front of
it) can answer a 200 that is no chat completion: an HTML login page, JSON cut off in the middle,
``choices: null``, a choice whose message or content is null. The SDK hands such a body back as
a string or a half-empty object and the failure surfaces later as an ``AttributeError``; here
each one is a :class:`ReplyFault` with a name and a fix, retried like a 5xx. The body is read
with a size cap and a deadline, so a server that drips bytes forever cannot hold a run.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai

try:  # the HTTP library under the openai SDK: httpx2 from SDK 3 on, httpx before
    import httpx2 as httpx
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx  # type: ignore[no-redef]

from rewardsmith.llm.config import ENV_API_KEY, ENV_BASE_URL, LLMConfig
from rewardsmith.llm.errors import LLMConfigError, LLMError
from rewardsmith.llm.failures import ReplyFault, to_llm_error
from rewardsmith.llm.pricing import CostEstimate, table_cost
from rewardsmith.plain_text import plain_text

# Local servers (vLLM, Ollama) accept any key, but the SDK refuses to start without one.
_PLACEHOLDER_KEY = "not-needed"
# The largest reply body read, whatever max_reply_chars allows: K long choices JSON-escaped fit.
MIN_BODY_CAP_BYTES = 64 << 20
_SURROGATE = re.compile("[\ud800-\udfff]")
_SNIPPET_CHARS = 200

@dataclass
class Completion:
    """The parts of a chat completion the client uses.

    Attributes:
        texts: one string per choice, each at most ``max_reply_chars`` long.
        usage: ``prompt_tokens`` and ``completion_tokens``, or None when the server sent none.
        truncated: ``{"choice": i, "chars": n}`` for each choice cut to ``max_reply_chars``.
    """

    texts: list[str]
    usage: dict[str, int] | None
    truncated: list[dict[str, int]] = field(default_factory=list)
    model: str | None = None  # the model the server says answered (a dated snapshot, a deployment)


# What an attempt may raise: the SDK's errors (litellm's derive from them) and broken replies.
ATTEMPT_ERRORS = (openai.OpenAIError, ReplyFault)


class Transport(Protocol):
    """Sends one attempt of a chat request; the client's retry loop calls it.

    Attributes:
        name: ``"openai"`` or ``"litellm"``, written into each record.
    """

    name: str

    def send(self, params: dict[str, Any], *, n: int) -> Completion:
        """Send one request (``params`` as for ``chat.completions.create``) asking ``n`` choices.

        Raises:
            openai.OpenAIError: the request failed (HTTP error, timeout, connection).
            ReplyFault: an answer came, but not a usable chat completion.
        """
        ...

    def cost(self, prompt_tokens: int, completion_tokens: int,
             reply_model: str | None = None) -> CostEstimate:
        """What this usage cost, and where the price came from."""
        ...

    def to_llm_error(self, exc: BaseException, *, attempts: int,
                     elapsed_s: float | None = None) -> LLMError:
        """The final error for the last attempt's failure, with the fix for this transport."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class OpenAITransport:
    """The ``openai`` SDK against OpenAI or an OpenAI-compatible server; the body is read and
    checked here (size cap, deadline, the broken-reply faults), not by the SDK."""

    name = "openai"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._sdk = make_sdk_client(config)
        self._price = config.price_override()

    def send(self, params: dict[str, Any], *, n: int) -> Completion:
        """One bounded exchange: see :func:`post_chat` and :func:`parse_completion`."""
        cfg = self.config
        body_cap = max(MIN_BODY_CAP_BYTES, 8 * n * cfg.max_reply_chars)
        body, content_type = post_chat(self._sdk, params, timeout_s=cfg.timeout_s,
                                       max_body_bytes=body_cap)
        return parse_completion(body, content_type, max_reply_chars=cfg.max_reply_chars)

    def cost(self, prompt_tokens: int, completion_tokens: int,
             reply_model: str | None = None) -> CostEstimate:
        """The config's price, else rewardsmith's table (see :mod:`~rewardsmith.llm.pricing`)."""
        return table_cost(self.config.model, prompt_tokens, completion_tokens, self._price)

    def to_llm_error(self, exc: BaseException, *, attempts: int,
                     elapsed_s: float | None = None) -> LLMError:
        """See :func:`to_llm_error`."""
        cfg = self.config
        return to_llm_error(exc, endpoint=cfg.endpoint(), model=cfg.model,
                            timeout_s=cfg.timeout_s, attempts=attempts, elapsed_s=elapsed_s)

    def close(self) -> None:
        """Close the SDK's connection pool."""
        self._sdk.close()


def make_sdk_client(config: LLMConfig) -> openai.OpenAI:
    """Create the ``openai`` client for ``config``, or explain how to configure one.

    Raises:
        LLMConfigError: neither an endpoint URL nor an API key is configured.
    """
    if not config.is_configured():
        raise LLMConfigError(
            f"No LLM is configured: set {ENV_API_KEY} (for api.openai.com), or "
            f"{ENV_BASE_URL} / --base-url for a local OpenAI-compatible server "
            f"(vLLM, Ollama, llama.cpp), or add an [llm] section to "
            f"~/.config/rewardsmith/config.toml."
        )
    return openai.OpenAI(
        base_url=config.base_url or None,
        api_key=config.secret_key() or _PLACEHOLDER_KEY,
        timeout=config.timeout_s,
        max_retries=0,
    )


def post_chat(sdk: openai.OpenAI, params: dict[str, Any], *, timeout_s: float,
              max_body_bytes: int) -> tuple[bytes, str]:
    """Send one chat request and read its body, bounded in size and time.

    The SDK raises for HTTP errors (``APIStatusError``), refused connections and timeouts while
    waiting for the headers; the body is then read here in chunks, at most ``max_body_bytes``
    of it, and at most about ``timeout_s`` after the headers came.

    Returns:
        The body and its content type.

    Raises:
        openai.OpenAIError: what the SDK raises before a 2xx answer.
        ReplyFault: the body was too large, too slow, or cut off.
    """
    with sdk.chat.completions.with_streaming_response.create(**params) as response:
        content_type = response.headers.get("content-type", "")
        deadline = time.monotonic() + timeout_s
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > max_body_bytes:
                    raise ReplyFault("too_large", f"more than {max_body_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise ReplyFault("body_timeout", f"{size:,} bytes came in {timeout_s:g} s")
        except httpx.TimeoutException:
            raise ReplyFault("body_timeout", f"no data for {timeout_s:g} s after {size:,} "
                                             f"bytes") from None
        except httpx.HTTPError as exc:
            raise ReplyFault("cut_off", f"after {size:,} bytes: {type(exc).__name__}: "
                                        f"{plain_text(exc, _SNIPPET_CHARS)}") from None
    return b"".join(chunks), content_type


def parse_completion(body: bytes, content_type: str, *, max_reply_chars: int) -> Completion:
    """Check that ``body`` is a chat completion and take out its texts and usage.

    A text longer than ``max_reply_chars`` is cut to that length (a reward program is far
    shorter, and every repair request would send the whole reply back); lone surrogates, which
    no text can hold, become U+FFFD.

    Raises:
        ReplyFault: the body is HTML, not JSON, an error object, or lacks choices, a message
            or content.
    """
    return completion_from_data(decode_body(body, content_type), max_reply_chars=max_reply_chars)


def decode_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The JSON object of a reply body.

    Raises:
        ReplyFault: the body is HTML, not UTF-8, not JSON, or not a JSON object.
    """
    if "html" in content_type.lower() or body[:512].lstrip().startswith(b"<"):
        raise ReplyFault("html", _snippet(body))
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ReplyFault("not_json", f"not UTF-8 (bad byte at offset {exc.start} of "
                                     f"{len(body):,})") from None
    except (ValueError, RecursionError) as exc:
        raise ReplyFault("not_json", f"{exc} ({len(body):,} bytes, starting "
                                     f"{_snippet(body, 80)})") from None
    if not isinstance(data, dict):
        raise ReplyFault("not_json", f"a JSON {type(data).__name__}, not an object: "
                                     f"{_snippet(body)}")
    return data


def completion_from_data(data: dict[str, Any], *, max_reply_chars: int) -> Completion:
    """Check that a decoded reply is a chat completion; take out its texts, usage and model.

    Raises:
        ReplyFault: an error object, or no choices, a choice without a message or content.
    """
    usage = _usage(data.get("usage"))
    choices = data.get("choices")
    if not choices and isinstance(data.get("error"), dict | str):
        error = data["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise ReplyFault("error_body", plain_text(message, _SNIPPET_CHARS), usage=usage)
    if not isinstance(choices, list) or not choices:
        raise ReplyFault("no_choices", f"choices is {_short(choices)}", usage=usage)
    texts, truncated = [], []
    for i, choice in enumerate(choices):
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            raise ReplyFault("no_message", f"choice {i} is {_short(choice)}", usage=usage)
        content = message.get("content")
        if not isinstance(content, str):
            why = f"choice {i}: content is {_short(content)}, finish_reason " \
                  f"{_short(choice.get('finish_reason'))}"
            if message.get("refusal"):
                why += f", refusal: {plain_text(message['refusal'], _SNIPPET_CHARS)}"
            raise ReplyFault("no_content", why, usage=usage)
        if len(content) > max_reply_chars:
            truncated.append({"choice": i, "chars": len(content)})
            content = content[:max_reply_chars]
        texts.append(_SURROGATE.sub("\ufffd", content))
    model = data.get("model")
    return Completion(texts, usage, truncated, model if isinstance(model, str) else None)


def _usage(raw: Any) -> dict[str, int] | None:
    """``prompt_tokens`` and ``completion_tokens`` as ints (0 for junk), or None if absent."""
    if not isinstance(raw, dict):
        return None
    out = {}
    for key in ("prompt_tokens", "completion_tokens"):
        value = raw.get(key)
        out[key] = int(value) if isinstance(value, int | float) and value >= 0 else 0
    return out


def _snippet(body: bytes, limit: int = _SNIPPET_CHARS) -> str:
    """The start of a body as one quoted line of plain text."""
    text = plain_text(body[: limit * 4].decode("utf-8", "replace"), limit)
    return repr(" ".join(text.split()))


def _short(value: Any) -> str:
    """A value for a message: ``null`` for None, else its JSON, shortened."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return plain_text(text, 80)
