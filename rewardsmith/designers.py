"""Designers write candidate reward programs: an LLM (any OpenAI-compatible endpoint) or the
offline designer (a term library, no LLM). Both take the same :class:`DesignRequest`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from rewardsmith.code_extraction import CodeExtractionError, extract_python_code, normalize_code
from rewardsmith.descriptions import EnvDescription
from rewardsmith.prompting import render_template


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
    """

    task_text: str
    description: EnvDescription
    k: int
    iteration: int
    feedback: str = ""
    history_summary: str = ""
    ranked: list[Outcome] = field(default_factory=list)
    user_text: str = ""


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


class LLMDesigner:
    """Eureka-style designer: K samples of one prompt, code extracted with ``ast``."""

    uses_llm = True

    def __init__(self, client: Any, temperature: float = 1.0):
        self.client = client
        self.temperature = temperature
        self.label = f"LLM designer ({client.config.model} at {client.config.endpoint()})"

    def _messages(self, request: DesignRequest) -> list[dict[str, str]]:
        feedback = request.feedback  # a refinement's sentence is already in its feedback text
        user = render_template("designer_task.md.j2", env_description=request.description.render(),
                               task_text=request.task_text, sample_hint="",
                               history_summary=request.history_summary, feedback=feedback)
        return [{"role": "system", "content": render_template("designer_system.md.j2")},
                {"role": "user", "content": user}]

    def propose(self, request: DesignRequest) -> list[Draft]:
        reply = self.client.chat(self._messages(request), n=request.k,
                                 temperature=self.temperature, purpose="designer",
                                 sample_key=f"iter{request.iteration}")
        return dedupe([_draft(text) for text in reply.texts[:request.k]])

    def repair(self, draft: Draft, error: str, request: DesignRequest, attempt: int,
               key: str) -> Draft | None:
        messages = self._messages(request)
        if draft.reply:
            messages.append({"role": "assistant", "content": draft.reply})
        messages.append({"role": "user", "content": render_template(
            "repair.md.j2", error=error, source=draft.source or draft.reply)})
        reply = self.client.chat(messages, n=1, temperature=self.temperature, purpose="repair",
                                 sample_key=f"{key}/repair{attempt}")
        return _draft(reply.texts[0])


def _draft(text: str) -> Draft:
    try:
        return Draft(extract_python_code(text), reply=text)
    except CodeExtractionError as e:
        return Draft(None, reply=text, error=str(e))


class OfflineDesignerAdapter:
    """The offline designer behind the :class:`Designer` protocol. It never uses an LLM."""

    uses_llm = False

    def __init__(self, seed: int = 0):
        from rewardsmith.offline.designer import OfflineDesigner

        self._designer = OfflineDesigner(seed=seed)
        self.label = self._designer.describe()

    def propose(self, request: DesignRequest) -> list[Draft]:
        from rewardsmith.offline.designer import CandidateOutcome

        history = [CandidateOutcome(source=o.source, score=o.score, failed=o.failed,
                                    component_returns=o.component_returns)
                   for o in request.ranked]
        proposals = self._designer.propose(request.task_text, request.description, request.k,
                                           history=history or None,
                                           feedback_text=request.user_text or None)
        return dedupe([Draft(p.source, reply=p.rationale) for p in proposals])

    def repair(self, draft: Draft, error: str, request: DesignRequest, attempt: int,
               key: str) -> Draft | None:
        return None
