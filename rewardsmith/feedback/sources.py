"""Feedback sources: what the next iteration's prompt is told about the last one.

One protocol, three kinds (DESIGN.md): trajectory reflection (Eureka: per-component statistics
and task scores), preferences (ICPL: a person, or a synthetic oracle, picks the best and worst
rollout) and plain language (Text2Reward, see ``rewardsmith refine``). Each returns the prompt
text and an order of the candidates, best first, which the offline designer refines from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.errors import RewardsmithError
from rewardsmith.feedback.oracle import SyntheticOracle
from rewardsmith.feedback.ranking import Ranking, RankingCandidate
from rewardsmith.run_dir import RANKING_JSON, RANKING_REQUEST_JSON
from rewardsmith.safe_files import write_json
from rewardsmith.templates import render_template

FEEDBACK_KINDS = ("reflection", "preference", "synthetic")


@dataclass
class ScoredCandidate:
    """One candidate after evaluation, as feedback sources see it."""

    id: str
    source: str
    fitness: float | None
    failed: bool
    analysis: str
    video: Path | None = None
    error: str | None = None
    component_returns: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``failed`` or ``trained``."""
        return "failed" if self.failed else "trained"


@dataclass
class Feedback:
    """What a feedback source produced for one iteration."""

    text: str
    order: list[str]
    ranking: Ranking | None = None
    queries: int = 0


def order_by_fitness(candidates: list[ScoredCandidate],
                     ranking: list[str] | None = None) -> list[str]:
    """Ids best first; failed candidates (no fitness) last.

    Args:
        candidates: the iteration's candidates.
        ranking: the evaluator's order, which wins where given: it breaks ties in fitness by
            how far each candidate trained (a survivor of the last rung before one stopped
            early), and its best is the candidate it re-evaluated.
    """
    def key(c: ScoredCandidate) -> float:
        return float("-inf") if c.fitness is None or c.failed else c.fitness

    by_fitness = [c.id for c in sorted(candidates, key=key, reverse=True)]
    ids = set(by_fitness)
    first = [cid for cid in ranking or [] if cid in ids]
    return first + [cid for cid in by_fitness if cid not in first]


def reflection_feedback(iteration: int, steps: int, candidates: list[ScoredCandidate],
                        best: ScoredCandidate | None,
                        ranking: list[str] | None = None) -> Feedback:
    """Eureka-style reward reflection, candidates best first (the evaluator's ``ranking``)."""
    order = order_by_fitness(candidates, ranking)
    by_id = {c.id: c for c in candidates}
    text = render_template(
        "reflection.md.j2", iteration=iteration, steps=steps,
        best={"score": best.fitness, "source": best.source} if best and best.fitness is not None
        else None,
        candidates=[{"id": c.id, "status": c.status, "score": c.fitness, "analysis": c.analysis}
                    for c in (by_id[i] for i in order)])
    return Feedback(text, order)


def preference_feedback(iteration: int, candidates: list[ScoredCandidate], ranking: Ranking,
                        changes: str = "") -> Feedback:
    """ICPL-style feedback: the best and the worst code with their traces, and the why."""
    by_id = {c.id: c for c in candidates}
    best, worst = by_id[ranking.best], by_id[ranking.worst]
    text = render_template(
        "preference.md.j2", iteration=iteration, n_candidates=len(candidates),
        source=ranking.source, why=ranking.why, changes=changes,
        best={"id": best.id, "source": best.source, "analysis": best.analysis},
        worst={"id": worst.id, "source": worst.source, "analysis": worst.analysis})
    order = list(ranking.order) or _order_from_pick(candidates, ranking)
    return Feedback(text, order, ranking, ranking.queries)


def _order_from_pick(candidates: list[ScoredCandidate], ranking: Ranking) -> list[str]:
    middle = [c.id for c in candidates if c.id not in (ranking.best, ranking.worst)]
    return [ranking.best, *middle, ranking.worst]


def text_feedback(candidate: ScoredCandidate, sentence: str) -> Feedback:
    """Text2Reward-style refinement of one chosen candidate from a sentence."""
    text = render_template("text_feedback.md.j2", text=sentence,
                           candidate={"id": candidate.id, "source": candidate.source,
                                      "analysis": candidate.analysis})
    return Feedback(text, [candidate.id])


def synthetic_ranking(candidates: list[ScoredCandidate], oracle: SyntheticOracle) -> Ranking:
    """Rank by task fitness through the simulated teacher's noise model."""
    return oracle.rank([(c.id, None if c.failed else c.fitness) for c in candidates])


def human_ranking(candidates: list[ScoredCandidate], iteration_dir: Path, *, title: str,
                  context: str, mode: str = "web",
                  announce: Callable[[str], None] = print,
                  input_fn: Callable[[str], str] = input) -> Ranking:
    """Ask a person: serve the ranking page (or ask in the terminal) and wait for the answer.

    While it waits, a ``ranking.json`` written into ``iteration_dir`` by ``rewardsmith rank RUN``
    (another terminal, maybe another machine's browser through an SSH tunnel) also ends the wait.
    """
    shown = [c for c in candidates if not c.failed]
    if len(shown) < 2:
        raise RewardsmithError("fewer than two candidates trained: nothing to rank")
    items = [RankingCandidate(id=c.id, label=c.id, video=c.video) for c in shown]
    answer = iteration_dir / RANKING_JSON
    write_json(iteration_dir / RANKING_REQUEST_JSON,
               {"title": title, "context": context,
                "candidates": ranking_candidates_payload(shown)})
    if mode == "terminal":
        from rewardsmith.feedback.terminal_ranking import rank_in_terminal

        return rank_in_terminal(items, input_fn=input_fn)
    from rewardsmith.feedback.ranking_page import RankingPageServer

    server = RankingPageServer(items, title=title, context_text=context)
    server.start()
    announce(f"Rank the rollouts: open {server.url} (or run `rewardsmith rank "
             f"{iteration_dir.parent}` elsewhere); the run waits for your answer.")
    try:
        while True:
            try:
                return server.wait(1.0)
            except TimeoutError:
                pass
            if answer.is_file():
                return Ranking.load(answer)
    finally:
        server.stop()


def describe_kind(kind: str) -> str:
    """One line for the terminal: what this feedback source does."""
    return {
        "reflection": "trajectory reflection (per-component statistics and task scores)",
        "preference": "preferences from a person (best and worst rollout videos)",
        "synthetic": "preferences from a synthetic oracle ranking by task fitness",
    }.get(kind, kind)


# The kinds where the designer learns only an order of preference (ICPL), never a fitness.
PREFERENCE_KINDS = ("preference", "synthetic")


def check_kind(kind: str, has_fitness: bool) -> None:
    """Reject combinations that cannot work, with the fix."""
    if kind not in FEEDBACK_KINDS:
        raise RewardsmithError(f"unknown --feedback {kind!r}; expected one of "
                               f"{', '.join(FEEDBACK_KINDS)}")
    if kind in ("reflection", "synthetic") and not has_fitness:
        raise RewardsmithError(
            f"--feedback {kind} ranks candidates by a task fitness, and this task has none; use "
            f"--feedback preference (you rank the rollout videos) or a built-in --task")


def ranking_candidates_payload(candidates: list[ScoredCandidate]) -> list[dict[str, Any]]:
    """What ``rewardsmith rank`` needs to show the candidates of a paused iteration."""
    return [{"id": c.id, "label": c.id, "video": str(c.video) if c.video else None}
            for c in candidates if not c.failed]
