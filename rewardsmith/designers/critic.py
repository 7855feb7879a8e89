"""The critic: static checks, the sandboxed smoke test, and (with an LLM) a review.

A candidate that fails any stage goes back to the designer with the stage's message, a bounded
number of times, before any training is spent on it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.smoke_test import run_smoke_test
from rewardsmith.templates import render_template

MAX_REASONS = 10  # reasons of a review kept for the designer
MAX_REVIEW_CHARS = 500  # per reason, and for the suggested fix
MAX_DECODE_TRIES = 100  # "{" positions tried when looking for the verdict in a reply


@dataclass
class Verdict:
    """The critic's decision on one candidate.

    Attributes:
        accepted: the candidate may be trained.
        stage: where it stopped (``"static"``, ``"smoke"``, ``"review"``) or ``"passed"``.
        message: for the designer: what is wrong and how to fix it (empty when accepted).
        reasons: the reviewer's reasons (also when accepted).
        smoke: the smoke test's report, when it ran.
    """

    accepted: bool
    stage: str
    message: str = ""
    reasons: list[str] = field(default_factory=list)
    smoke: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON data for ``critic.json``."""
        return asdict(self)


class Critic:
    """Checks candidates for one env.

    Args:
        env_id: the target env (its recorded transitions feed the smoke test).
        env_kwargs: passed to ``gymnasium.make``.
        client: an LLM client for the review, or None to skip it.
        sandbox_options: passed to the sandbox (e.g. ``allow_unsafe``).
    """

    def __init__(self, env_id: str, env_kwargs: dict[str, Any] | None = None,
                 client: Any = None, **sandbox_options: Any):
        self.env_id = env_id
        self.env_kwargs = env_kwargs or {}
        self.client = client
        self.sandbox_options = sandbox_options

    def check(self, source: str, workdir: Path, task_text: str, env_text: str,
              key: str) -> Verdict:
        """Run every stage on ``source``; ``workdir`` holds the smoke test's files.

        The static stage is the sandbox runner's own check (it runs once, before anything is
        recorded or started): its ``"static"`` failure becomes this verdict's ``"static"`` stage.
        """
        result = run_smoke_test(source, self.env_id, workdir, self.env_kwargs,
                                **self.sandbox_options)
        if result.error_kind == "static":
            return Verdict(False, "static", result.error)
        smoke = result.result if isinstance(result.result, dict) else None
        if not result.ok:
            message = result.error or (smoke or {}).get("message") or "the smoke test failed"
            return Verdict(False, "smoke", message, smoke=smoke)
        if self.client is None:
            return Verdict(True, "passed", smoke=smoke)
        return self._review("critic.md.j2", source, task_text, env_text, _smoke_summary(smoke),
                            key, smoke=smoke)

    def review_fitness(self, source: str, task_text: str, env_text: str,
                       smoke_summary: str) -> Verdict:
        """An LLM review of a written success measure (accepted as is without an LLM).

        The static check and the sandboxed trial already ran (:mod:`rewardsmith.run.fitness`);
        ``smoke_summary`` says what random and motionless episodes scored.
        """
        if self.client is None:
            return Verdict(True, "passed")
        return self._review("fitness_critic.md.j2", source, task_text, env_text, smoke_summary,
                            "fitness-review", "success measure", None)

    def _review(self, template: str, source: str, task_text: str, env_text: str,
                smoke_text: str, key: str, what: str = "reward",
                smoke: dict | None = None) -> Verdict:
        prompt = render_template(template, env_description=env_text, task_text=task_text,
                                 source=source, smoke=smoke_text)
        reply = self.client.chat([{"role": "system",
                                   "content": render_template("critic_system.md.j2")},
                                  {"role": "user", "content": prompt}],
                                 n=1, temperature=0.0, purpose="critic", sample_key=key)
        verdict = parse_review(reply.texts[0])
        if verdict is None:  # an unreadable review must not block training
            return Verdict(True, "passed", reasons=["critic reply had no readable JSON verdict; "
                                                    "ignored"], smoke=smoke)
        accepted, reasons, fix = verdict
        message = "" if accepted else f"A reviewer rejected this {what}: " \
            + ("; ".join(reasons) or "no reason given") + (f". Suggested fix: {fix}" if fix else "")
        return Verdict(accepted, "passed" if accepted else "review", message, reasons, smoke)


def parse_review(text: str) -> tuple[bool, list[str], str] | None:
    """Read the critic's JSON verdict (tolerating a code fence or prose around it).

    The reply is whatever an LLM wrote, so this never raises. It reads the first JSON object in
    ``text`` that has a ``"verdict"`` key; ``"reasons"`` may be a list (items that are null or
    blank are dropped), a single string (one reason), or missing, null or anything else (no
    reasons). Reasons and the fix are clipped (:data:`MAX_REASONS`, :data:`MAX_REVIEW_CHARS`)
    because they go back to the designer as part of its next prompt.

    Returns:
        ``(accepted, reasons, fix)``, or None when no object with a ``"verdict"`` of ``"accept"``
        or ``"reject"`` is found: the caller then accepts the candidate, since an unreadable
        review must not block training.
    """
    data = _first_verdict_object(text)
    if data is None:
        return None
    verdict = data["verdict"]
    if not isinstance(verdict, str) or verdict.strip().lower() not in ("accept", "reject"):
        return None
    reasons = data.get("reasons")
    if isinstance(reasons, str):
        reasons = [reasons]
    elif not isinstance(reasons, list):
        reasons = []
    reasons = [_clip(str(r)) for r in reasons if r is not None and str(r).strip()]
    fix = data.get("fix")
    fix = "" if fix is None else _clip(str(fix))
    return verdict.strip().lower() == "accept", reasons[:MAX_REASONS], fix


def _first_verdict_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` with a ``"verdict"`` key, or None.

    Decoding is tried at each ``{`` in turn (at most :data:`MAX_DECODE_TRIES`), so prose with
    braces before the object, or a second object after it, does not hide it; deeply nested or
    malformed JSON is skipped rather than raised.
    """
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _ in range(MAX_DECODE_TRIES):
        if start < 0:
            return None
        try:
            value, _end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict) and "verdict" in value:
            return value
        start = text.find("{", start + 1)
    return None


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_REVIEW_CHARS else text[:MAX_REVIEW_CHARS - 3] + "..."


def _smoke_summary(smoke: dict | None) -> str:
    if not smoke or not smoke.get("components"):
        return ""
    lines = ["| component | min | mean | max |", "|---|---|---|---|"]
    for name, stats in smoke["components"].items():
        lines.append(f"| {name} | {stats['min']:.3g} | {stats['mean']:.3g} | {stats['max']:.3g} |")
    return "\n".join(lines)
