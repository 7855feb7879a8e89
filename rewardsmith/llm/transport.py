"""How requests reach the endpoint: the transport that sends one attempt, the reply's checks,
the retry policy and the final error.

A :class:`Transport` sends one attempt and hands back a checked :class:`Completion`; the client
(:class:`~rewardsmith.llm.client.LLMClient`) owns everything around it: retries, budgets,
accounting and the record. Two transports exist: :class:`OpenAITransport` here (the ``openai``
SDK, for OpenAI and any OpenAI-compatible server) and
:class:`~rewardsmith.llm.litellm_transport.LiteLLMTransport` (other providers, optional extra).
Both raise ``openai.OpenAIError`` subclasses (litellm's exceptions derive from the SDK's) or a
:class:`ReplyFault`, so one retry policy serves both.

The SDK's own retries are switched off (``max_retries=0``) so that every attempt goes through
this policy: it is counted in the client's totals, recorded and logged, and the final error says
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
import random
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
from rewardsmith.llm.pricing import CostEstimate, table_cost
from rewardsmith.plain_text import plain_text

# 408 request timeout, 409 conflict (OpenAI's "retry" hint), 429 rate limit, 5xx server errors.
_RETRY_STATUS = {408, 409, 429}
_MAX_RETRY_AFTER_S = 60.0
# Local servers (vLLM, Ollama) accept any key, but the SDK refuses to start without one.
_PLACEHOLDER_KEY = "not-needed"
# The largest reply body read, whatever max_reply_chars allows: K long choices JSON-escaped fit.
MIN_BODY_CAP_BYTES = 64 << 20
_SURROGATE = re.compile("[\ud800-\udfff]")
_SNIPPET_CHARS = 200

# Each fault: what the endpoint did (for "The LLM endpoint ... <what>") and how to fix it.
_FAULTS = {
    "html": (
        "answered HTTP 200 with an HTML page instead of JSON",
        "this URL serves a web page, not the OpenAI API: check --base-url / OPENAI_BASE_URL (the "
        "API root, usually ending in /v1) and any proxy or login page in between",
    ),
    "not_json": (
        "answered HTTP 200 with a body that is not valid JSON",
        "the reply was cut off or mangled on the way (a proxy, a crashed or restarted server): "
        "check the server's logs; if it is cut at a time limit, raise --timeout",
    ),
    "error_body": (
        "answered HTTP 200 with an error object instead of a completion",
        "read the server's message above; check --model and the server's logs",
    ),
    "no_choices": (
        "answered without any choices",
        "check that --model names a chat model this endpoint serves, and the server's logs",
    ),
    "no_message": (
        "answered with a choice that has no message",
        "the server is not OpenAI-compatible for chat completions here: check --base-url, "
        "--model and the server's logs",
    ),
    "no_content": (
        "answered with a message that has no text (content is null)",
        "the model produced no text (a refusal, a content filter, or a tool call): check "
        "--model and the server's logs, or rephrase the task",
    ),
    "too_large": (
        "sent a reply body larger than rewardsmith reads",
        "lower the reply length (max_tokens) or check the server: no reward program needs this",
    ),
    "body_timeout": (
        "did not finish sending its reply in time",
        "the server is overloaded or slow: raise --timeout (timeout_s in the [llm] section "
        "of config.toml), or check the server",
    ),
    "cut_off": (
        "closed the connection in the middle of its reply",
        "the server or a proxy dropped the connection: check that it is running and its logs",
    ),
}


class ReplyFault(Exception):
    """An attempt that got an answer, but not a usable chat completion.

    Internal to the LLM layer: the client retries it and, in the end, turns it into an
    :class:`~rewardsmith.llm.errors.LLMError` with :func:`to_llm_error`.

    Attributes:
        kind: a key of the fault table (``"html"``, ``"not_json"``, ``"no_content"``, ...).
        detail: what was received, shortened and made plain text.
        usage: token usage the endpoint still reported (a broken reply may have been billed).
        retryable: whether another attempt may help.
    """

    def __init__(self, kind: str, detail: str, *, usage: dict[str, int] | None = None,
                 retryable: bool = True) -> None:
        super().__init__(f"{_FAULTS[kind][0]}: {detail}")
        self.kind, self.detail, self.usage, self.retryable = kind, detail, usage, retryable

    @property
    def is_timeout(self) -> bool:
        """The reply did not arrive in time (counts against the timeout retries)."""
        return self.kind == "body_timeout"


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


@dataclass(frozen=True)
class ErrorHints:
    """The fixes a final error suggests, worded for the transport the user configured."""

    auth: str
    not_found: str
    connection: str


OPENAI_HINTS = ErrorHints(
    auth=f"the API key was rejected: set {ENV_API_KEY} to a valid key for this endpoint.",
    not_found="check --model (is the model served here?) and --base-url (does it end in /v1?).",
    connection=f"Check that the server is running and that the URL ends with /v1; set "
               f"{ENV_BASE_URL} or pass --base-url.",
)


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


def is_retryable(exc: BaseException) -> bool:
    """Return True for transient failures: timeouts, lost connections, 429 and 5xx answers,
    and broken replies (a proxy or a restarting server)."""
    if isinstance(exc, ReplyFault):
        return exc.retryable
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    status = status_of(exc)
    return status is not None and (status in _RETRY_STATUS or status >= 500)


def status_of(exc: BaseException) -> int | None:
    """The HTTP status an SDK error carries (litellm sets one on errors that are no
    ``APIStatusError`` too), or None."""
    if not isinstance(exc, openai.OpenAIError):
        return None
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def is_timeout(exc: BaseException) -> bool:
    """The attempt ran out of time (each such retry costs a whole ``timeout_s``)."""
    return isinstance(exc, openai.APITimeoutError) or (
        isinstance(exc, ReplyFault) and exc.is_timeout)


def fault_name(exc: BaseException) -> str:
    """A short name of what went wrong in one attempt, for the record."""
    if isinstance(exc, ReplyFault):
        return exc.kind
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    status = status_of(exc)
    if status is not None:
        return f"http_{status}"
    return type(exc).__name__


def backoff_delay(
    attempt: int, base_s: float, max_s: float, exc: BaseException | None = None
) -> float:
    """Return the wait before retry number ``attempt`` (0-based): exponential with jitter.

    A server's ``Retry-After`` header wins when present (capped at 60 s), because a rate-limited
    endpoint knows better than a guess. Jitter (x0.5..1.5) keeps parallel workers from retrying
    in lockstep.
    """
    retry_after = _retry_after_s(exc)
    if retry_after is not None:
        return min(retry_after, _MAX_RETRY_AFTER_S)
    return min(max_s, base_s * (2**attempt)) * random.uniform(0.5, 1.5)


def _retry_after_s(exc: BaseException | None) -> float | None:
    """Return the ``Retry-After`` seconds of an HTTP error response, if it sent a number."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    value = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def to_llm_error(
    exc: BaseException, *, endpoint: str, model: str, timeout_s: float, attempts: int,
    elapsed_s: float | None = None, hints: ErrorHints = OPENAI_HINTS,
) -> LLMError:
    """Turn the last attempt's failure into an :class:`LLMError` that says how to fix it.

    The message names the endpoint, the fault, how many attempts were made in how long, and the
    fix (``hints`` words the key, model and connection fixes for the transport in use);
    anything quoted from the server is plain text (it may reach a terminal).
    """
    where = f"LLM endpoint {endpoint} (model {model!r})"
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if elapsed_s is not None:
        tries += f" in {elapsed_s:.1f} s"
    status: int | None = None
    if isinstance(exc, ReplyFault):
        what, fix = _FAULTS[exc.kind]
        msg = f"The {where} {what} ({tries}): {exc.detail} -> {fix}."
    elif isinstance(exc, openai.APITimeoutError):
        msg = (
            f"The {where} did not answer within {timeout_s:g} s ({tries}). The server may be "
            f"overloaded or the model slow to load: raise --timeout (timeout_s in the [llm] "
            f"section of config.toml) or check the server."
        )
    elif isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        reason = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
        msg = f"Could not connect to the {where} ({tries}): {plain_text(reason, 300)}. " \
              f"{hints.connection}"
    elif status_of(exc) is not None:
        status = status_of(exc)
        detail = _server_message(exc)
        if status == 401:
            fix = hints.auth
        elif status == 403:
            fix = "this key may not use this model: check the account's access or --model."
        elif status == 404:
            fix = hints.not_found
        elif status == 429:
            fix = "rate limit or quota exhausted: wait, lower max_concurrency, or check billing."
        elif status >= 500:
            fix = "the server failed: check its logs, or retry later."
        else:
            fix = "the request was refused: check the model name and the prompt size."
        msg = f"The {where} answered HTTP {status} ({tries}): {detail} -> {fix}"
    else:
        msg = f"Request to the {where} failed ({tries}): {type(exc).__name__}: " \
              f"{plain_text(exc, 300)}"
    return LLMError(msg, endpoint=endpoint, status_code=status, attempts=attempts,
                    fault=fault_name(exc))


def _server_message(exc: BaseException) -> str:
    """Return the server's own error message, shortened and made plain text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return plain_text(inner["message"], 300)
        return plain_text(inner, 300)
    return plain_text(getattr(exc, "message", exc), 300)
