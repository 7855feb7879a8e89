"""How requests reach the endpoint: the SDK client, the retry policy, the final error.

The SDK's own retries are switched off (``max_retries=0``) so that every attempt goes through
this policy: it is counted in the client's totals and logged, and the final error says what the
endpoint answered and how to fix it.
"""

from __future__ import annotations

import random

import openai

from rewardsmith.llm.config import ENV_API_KEY, ENV_BASE_URL, LLMConfig
from rewardsmith.llm.errors import LLMConfigError, LLMError

# 408 request timeout, 409 conflict (OpenAI's "retry" hint), 429 rate limit, 5xx server errors.
_RETRY_STATUS = {408, 409, 429}
_MAX_RETRY_AFTER_S = 60.0
# Local servers (vLLM, Ollama) accept any key, but the SDK refuses to start without one.
_PLACEHOLDER_KEY = "not-needed"


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


def is_retryable(exc: BaseException) -> bool:
    """Return True for transient failures: timeouts, lost connections, 429 and 5xx answers."""
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRY_STATUS or exc.status_code >= 500
    return False


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
    exc: BaseException, *, endpoint: str, model: str, timeout_s: float, attempts: int
) -> LLMError:
    """Turn the last SDK exception into an :class:`LLMError` that says how to fix it."""
    where = f"LLM endpoint {endpoint} (model {model!r})"
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    status: int | None = None
    if isinstance(exc, openai.APITimeoutError):
        msg = (
            f"The {where} did not answer within {timeout_s:g} s ({tries}). The server may be "
            f"overloaded or the model slow to load: raise timeout_s (--timeout) or check the "
            f"server."
        )
    elif isinstance(exc, openai.APIConnectionError):
        msg = (
            f"Could not connect to the {where} ({tries}): {exc}. Check that the server is "
            f"running and that the URL ends with /v1; set OPENAI_BASE_URL or pass --base-url."
        )
    elif isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _server_message(exc)
        if status == 401:
            fix = "the API key was rejected: set OPENAI_API_KEY to a valid key for this endpoint."
        elif status == 403:
            fix = "this key may not use this model: check the account's access or --model."
        elif status == 404:
            fix = "check --model (is the model served here?) and --base-url (does it end in /v1?)."
        elif status == 429:
            fix = "rate limit or quota exhausted: wait, lower max_concurrency, or check billing."
        elif status >= 500:
            fix = "the server failed: check its logs, or retry later."
        else:
            fix = "the request was refused: check the model name and the prompt size."
        msg = f"The {where} answered HTTP {status} ({tries}): {detail} -> {fix}"
    else:
        msg = f"Request to the {where} failed ({tries}): {type(exc).__name__}: {exc}"
    return LLMError(msg, endpoint=endpoint, status_code=status, attempts=attempts)


def _server_message(exc: openai.APIStatusError) -> str:
    """Return the server's own error message, shortened, for the final error."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
        return str(inner)[:300]
    return str(exc.message)[:300]
