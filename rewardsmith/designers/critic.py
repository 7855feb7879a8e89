"""The critic: static checks, the sandboxed smoke test, and (with an LLM) a review.

A candidate that fails any stage goes back to the designer with the stage's message, a bounded
number of times, before any training is spent on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.static_check import RewardCheckError, check_source
from rewardsmith.templates import render_template


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
        """Run every stage on ``source``; ``workdir`` holds the smoke test's files."""
        issues = check_source(source)
        if issues:
            return Verdict(False, "static", str(RewardCheckError(issues)))
        from rewardsmith.sandbox.smoke_test import run_smoke_test

        result = run_smoke_test(source, self.env_id, workdir, self.env_kwargs,
                                **self.sandbox_options)
        smoke = result.result if isinstance(result.result, dict) else None
        if not result.ok:
            message = result.error or (smoke or {}).get("message") or "the smoke test failed"
            return Verdict(False, "smoke", message, smoke=smoke)
        if self.client is None:
            return Verdict(True, "passed", smoke=smoke)
        return self._review(source, task_text, env_text, smoke, key)

    def _review(self, source: str, task_text: str, env_text: str, smoke: dict | None,
                key: str) -> Verdict:
        prompt = render_template("critic.md.j2", env_description=env_text, task_text=task_text,
                                 source=source, smoke=_smoke_summary(smoke))
        reply = self.client.chat([{"role": "system",
                                   "content": render_template("critic_system.md.j2")},
                                  {"role": "user", "content": prompt}],
                                 n=1, temperature=0.0, purpose="critic", sample_key=key)
        verdict = parse_review(reply.texts[0])
        if verdict is None:  # an unreadable review must not block training
            return Verdict(True, "passed", reasons=["critic reply was not valid JSON; ignored"],
                           smoke=smoke)
        accepted, reasons, fix = verdict
        message = "" if accepted else "A reviewer rejected this reward: " + "; ".join(reasons) \
            + (f". Suggested fix: {fix}" if fix else "")
        return Verdict(accepted, "passed" if accepted else "review", message, reasons, smoke)


def parse_review(text: str) -> tuple[bool, list[str], str] | None:
    """Read the critic's JSON verdict (tolerating a code fence or prose around it)."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    verdict = str(data.get("verdict", "")).strip().lower()
    if verdict not in ("accept", "reject"):
        return None
    reasons = [str(r) for r in data.get("reasons", []) if str(r).strip()]
    return verdict == "accept", reasons, str(data.get("fix", "") or "")


def _smoke_summary(smoke: dict | None) -> str:
    if not smoke or not smoke.get("components"):
        return ""
    lines = ["| component | min | mean | max |", "|---|---|---|---|"]
    for name, stats in smoke["components"].items():
        lines.append(f"| {name} | {stats['min']:.3g} | {stats['mean']:.3g} | {stats['max']:.3g} |")
    return "\n".join(lines)
