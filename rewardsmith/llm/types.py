"""The values the LLM client takes and hands back: a request, a reply, usage and totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChatRequest:
    """One chat call's inputs, checked on creation; the cache key and the record use them."""

    messages: list[dict[str, str]]
    n: int = 1
    temperature: float = 1.0
    max_tokens: int | None = None
    sample_key: str | None = None

    def __post_init__(self) -> None:
        """Reject malformed input before anything is sent, naming the bad message."""
        if not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be a positive integer, got {self.n!r}")
        if not isinstance(self.messages, list) or not self.messages:
            raise TypeError("messages must be a non-empty list of {'role': ..., 'content': ...}")
        for i, msg in enumerate(self.messages):
            if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
                raise TypeError(f"messages[{i}] must be a dict with a 'role' string, got {msg!r}")
            if not isinstance(msg.get("content"), str):
                raise TypeError(f"messages[{i}]['content'] must be a string, got {msg!r}")

    def sdk_params(self, model: str, n: int) -> dict[str, Any]:
        """Keyword arguments for one ``chat.completions.create`` call asking ``n`` choices.

        ``n`` is left out when 1 and ``max_tokens`` when unset: the smallest request is the one
        most OpenAI-compatible servers accept.
        """
        params: dict[str, Any] = {
            "model": model,
            "messages": self.messages,
            "temperature": self.temperature,
        }
        if n > 1:
            params["n"] = n
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        return params


@dataclass(frozen=True)
class LLMUsage:
    """Tokens one reply used, summed over every HTTP request it took."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class LLMReply:
    """What :meth:`LLMClient.chat` returns.

    Attributes:
        texts: one string per requested sample (``len(texts) == n``).
        usage: tokens of the requests that produced these texts (also when ``cached``).
        cost_usd: dollars paid by *this* call; 0 when served from the cache.
        cached: True when the texts came from an earlier record and no request was sent.
        model: the model name that was asked.
        latency_s: wall time of this call.
        record_path: the JSON record of this exchange, when recording is on.
        notes: caveats worth showing once (unknown price, missing usage).
    """

    texts: list[str]
    usage: LLMUsage
    cost_usd: float
    cached: bool
    model: str
    latency_s: float = 0.0
    record_path: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The first sample, for callers that asked for one."""
        return self.texts[0]


@dataclass
class LLMTotals:
    """Running totals for a client; ``prior_*`` is what earlier sessions recorded."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    http_calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    failures: int = 0
    prior_cost_usd: float = 0.0
    prior_tokens: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        """Tokens used in this session."""
        return self.prompt_tokens + self.completion_tokens


@dataclass
class HTTPResult:
    """One successful HTTP request: its choices, usage and cost (internal to the client).

    ``truncated`` lists ``{"choice": i, "chars": n}`` for each text cut to ``max_reply_chars``;
    ``cost_source`` says where the price came from (see :mod:`rewardsmith.llm.pricing`).
    """

    texts: list[str]
    n_asked: int
    usage: LLMUsage
    cost_usd: float
    latency_s: float
    retries: int
    truncated: list[dict[str, int]] = field(default_factory=list)  # choices cut to the limit
    cost_source: str = "unknown"
