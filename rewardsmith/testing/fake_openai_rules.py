"""Scripted replies for :class:`~rewardsmith.testing.fake_openai.FakeOpenAIServer`.

A :class:`Rule` decides which requests it answers and with what; :class:`ReceivedRequest` is
what the server keeps of each request so tests can assert on it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

ReplyFn = Callable[[dict[str, Any]], str]


@dataclass
class Rule:
    """One scripted answer.

    Attributes:
        reply: the assistant text, or a callable ``fn(request_json) -> str`` called per choice.
        match: ``None`` matches every request; a ``str`` is a substring test; a compiled
            ``re.Pattern`` is searched.
        on: which text ``match`` looks at: the last user message, the system message, or
            all messages joined.
        times: how many choices this rule may answer before it is used up; ``None`` = forever.
    """

    reply: str | ReplyFn
    match: str | re.Pattern[str] | None = None
    on: Literal["user", "system", "any"] = "user"
    times: int | None = None
    used: int = 0

    def matches(self, request: dict[str, Any]) -> bool:
        """Return True when this rule is not used up and its pattern fits the request."""
        if self.times is not None and self.used >= self.times:
            return False
        if self.match is None:
            return True
        text = _message_text(request.get("messages") or [], self.on)
        if isinstance(self.match, re.Pattern):
            return self.match.search(text) is not None
        return self.match in text


@dataclass
class ReceivedRequest:
    """A request as the server saw it: for asserting what the client sent."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    received_at: float = field(default_factory=time.time)


def _message_text(messages: list[dict[str, Any]], on: str) -> str:
    """Return the text a rule matches against: last user message, system message, or all."""
    if on == "user":
        users = [m for m in messages if m.get("role") == "user"]
        return str(users[-1].get("content") or "") if users else ""
    if on == "system":
        return "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    return "\n".join(str(m.get("content") or "") for m in messages)


def count_tokens(text: str) -> int:
    """A rough token count (about 4 characters per token), enough for accounting tests."""
    return max(1, (len(text) + 3) // 4) if text else 0
