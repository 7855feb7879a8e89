"""Why an attempt failed: whether to retry it, how long to wait, and the final error's wording.

The retry policy and the words the user finally reads are one concept, both built on the same
classification of a failure (a timeout, a lost connection, an HTTP status, a broken reply), and
neither depends on how the bytes were sent: both transports
(:mod:`~rewardsmith.llm.transport`, :mod:`~rewardsmith.llm.litellm_transport`) raise the SDK's
errors or a :class:`ReplyFault`, and the client (:class:`~rewardsmith.llm.client.LLMClient`)
decides with this module whether to try again and what to raise in the end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import openai

from rewardsmith.llm.config import ENV_API_KEY, ENV_BASE_URL
from rewardsmith.llm.errors import LLMError
from rewardsmith.plain_text import plain_text

# 408 request timeout, 409 conflict (OpenAI's "retry" hint), 429 rate limit, 5xx server errors.
_RETRY_STATUS = {408, 409, 429}
_MAX_RETRY_AFTER_S = 60.0

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
