"""Errors raised by the LLM layer.

One base class (a :class:`~rewardsmith.errors.RewardsmithError`), so the CLI turns any LLM
failure into a single ``[error]`` line. Every message names the endpoint, what failed and how
to fix it, and never contains the API key.
"""

from __future__ import annotations

from rewardsmith.errors import RewardsmithError


class LLMError(RewardsmithError):
    """An LLM request failed for good (after retries), or the LLM is not usable as configured.

    Attributes:
        endpoint: the base URL that was called, or ``None`` when no request was made.
        status_code: the HTTP status of the last failed attempt, when there was one.
        attempts: how many HTTP attempts were made before giving up.
        fault: a short name of the last attempt's failure (``"timeout"``, ``"connection"``,
            ``"http_500"``, ``"html"``, ``"not_json"``, ``"no_choices"``, ``"no_content"``,
            ...), the same name the run's llm/ record gives each attempt.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status_code: int | None = None,
        attempts: int = 0,
        fault: str | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status_code = status_code
        self.attempts = attempts
        self.fault = fault


class LLMConfigError(LLMError):
    """The configuration is missing or invalid (bad TOML, unknown key, no endpoint)."""


class LLMBudgetExceeded(LLMError):
    """A dollar or token cap was already reached, so the next request was not sent.

    Raised *before* a request, never after: the caller keeps whatever it already received.
    """
