"""What every designer shares: the request it gets, the drafts it returns, the protocol.

Designers write candidate reward programs: an LLM (any OpenAI-compatible endpoint,
:mod:`rewardsmith.designers.llm`) or the offline designer (a term library, no LLM,
:mod:`rewardsmith.designers.offline`). Both take the same :class:`DesignRequest`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rewardsmith.designers.code_extraction import CodeExtractionError, normalize_code
from rewardsmith.envs.descriptions import EnvDescription


@dataclass
class Outcome:
    """One scored candidate of an earlier iteration, as a designer may use it."""

    id: str
    source: str
    score: float | None
    failed: bool
    component_returns: dict[str, float] = field(default_factory=dict)


@dataclass
class DesignRequest:
    """Everything a designer may see: never the task's fitness or reference reward.

    Attributes:
        task_text: what the user asked for.
        description: the env description (its rendered text goes in the prompt).
        k: candidates wanted.
        iteration: 0-based iteration number.
        feedback: the feedback text for this iteration's prompt (empty on iteration 0).
        history_summary: a short summary of all earlier iterations.
        ranked: earlier outcomes, best first (fitness or preference order).
        user_text: plain-language feedback from the user, if any.
        env_note: how episodes run for this request when it differs from the description
            (early termination turned off for a low pose).
    """

    task_text: str
    description: EnvDescription
    k: int
    iteration: int
    feedback: str = ""
    history_summary: str = ""
    ranked: list[Outcome] = field(default_factory=list)
    user_text: str = ""
    env_note: str = ""


@dataclass
class FitnessRequest:
    """What a designer sees when it writes a request's success measure (before any reward).

    Attributes:
        task_text: what the user asked for.
        description: the env description.
        env_note: how episodes run for this request (e.g. early termination turned off).
    """

    task_text: str
    description: EnvDescription
    env_note: str = ""


@dataclass
class Draft:
    """A proposed candidate: its source, or the reason none could be extracted."""

    source: str | None
    reply: str = ""
    error: str | None = None


class Designer(Protocol):
    """What the loop needs from a designer."""

    label: str
    uses_llm: bool

    def propose(self, request: DesignRequest) -> list[Draft]:
        """Up to ``request.k`` distinct drafts."""

    def repair(self, draft: Draft, error: str, request: DesignRequest, attempt: int,
               key: str) -> Draft | None:
        """A fixed draft, or None when this designer cannot repair."""

    def write_fitness(self, request: FitnessRequest) -> Draft:
        """A success measure (``fitness.py``: ``compute_fitness`` and ``SUCCESS_THRESHOLD``)."""

    def repair_fitness(self, draft: Draft, error: str, request: FitnessRequest,
                       attempt: int) -> Draft | None:
        """A fixed success measure, or None when this designer cannot repair."""


def dedupe(drafts: list[Draft]) -> list[Draft]:
    """Merge candidates that differ only in formatting or comments."""
    seen, kept = set(), []
    for draft in drafts:
        if draft.source is None:
            kept.append(draft)
            continue
        try:
            key = normalize_code(draft.source)
        except (SyntaxError, CodeExtractionError):
            key = draft.source
        if key not in seen:
            seen.add(key)
            kept.append(draft)
    return kept
