"""The one feedback protocol the design loop calls, and its three kinds (DESIGN.md).

A :class:`FeedbackSource` turns one finished iteration into the next prompt's feedback and an
order of the candidates, best first. The loop never asks which kind it holds: the run's API picks
one with :func:`make_feedback_source` and hands it over, and tests hand over their own.

- :class:`ReflectionSource`: Eureka-style reward reflection (per-component statistics and task
  scores).
- :class:`PreferenceSource`: ICPL-style best and worst pick, by a synthetic oracle ranking on
  fitness (:class:`OracleRanker`) or by a person (:class:`HumanRanker`). With fewer than two
  trained candidates there is nothing to compare, and it reflects instead.

Plain-language refinement (Text2Reward) is not a source of its own: ``rewardsmith refine`` writes
its prompt into the iteration folder, and the loop uses it in place of the source's text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from rewardsmith.feedback.oracle import SyntheticOracle
from rewardsmith.feedback.ranking import Ranking
from rewardsmith.feedback.sources import (
    Feedback,
    ScoredCandidate,
    human_ranking,
    preference_feedback,
    reflection_feedback,
    synthetic_ranking,
)


class BestSoFar(Protocol):
    """What a feedback source may read of the run's best (the run's ``BestTracker``)."""

    def scored_best(self) -> Any:
        """The best so far (``fitness``, ``source``), or None."""

    def changes(self) -> str:
        """How the best changed between iterations, one line each."""


class FeedbackSource(Protocol):
    """Turns one finished iteration into the next prompt's feedback."""

    def give(self, iteration: int, scored: list[ScoredCandidate], ranking: list[str] | None,
             best: BestSoFar) -> Feedback:
        """Feedback on ``scored``; ``ranking`` is the evaluator's order (None if none trained)."""


class ReflectionSource:
    """Eureka-style reflection: every candidate's analysis and task score, best first.

    Args:
        steps: the training budget per candidate (the prompt says what the scores are after).
    """

    def __init__(self, steps: int):
        self.steps = steps

    def give(self, iteration: int, scored: list[ScoredCandidate], ranking: list[str] | None,
             best: BestSoFar) -> Feedback:
        """Reflection feedback, in the evaluator's order."""
        return reflection_feedback(iteration, self.steps, scored, best.scored_best(), ranking)


class Ranker(Protocol):
    """Who ranks an iteration's trained candidates for :class:`PreferenceSource`."""

    def rank(self, iteration: int, candidates: list[ScoredCandidate]) -> Ranking:
        """Best and worst (and an order) of ``candidates``."""


class OracleRanker:
    """A simulated teacher: ranks by task fitness through a noise model (seeded per iteration)."""

    def __init__(self, seed: int = 0, rationality_beta: float | None = None,
                 mistake_rate: float = 0.0):
        self.seed, self.beta, self.mistake_rate = seed, rationality_beta, mistake_rate

    def rank(self, iteration: int, candidates: list[ScoredCandidate]) -> Ranking:
        """The oracle's ranking for ``iteration``."""
        oracle = SyntheticOracle(rationality_beta=self.beta, mistake_rate=self.mistake_rate,
                                 seed=self.seed + iteration)
        return synthetic_ranking(candidates, oracle)


class HumanRanker:
    """A person ranks the rollout videos in the ranking page (or the terminal).

    Args:
        iteration_dir: the folder of an iteration, given its number.
        text: what the user asked for (the page's title).
        mode: ``"web"`` or ``"terminal"``.
        announce: prints where to rank.
    """

    def __init__(self, iteration_dir: Callable[[int], Path], text: str, mode: str = "web",
                 announce: Callable[[str], None] = print):
        self.iteration_dir, self.text, self.mode = iteration_dir, text, mode
        self.announce = announce

    def rank(self, iteration: int, candidates: list[ScoredCandidate]) -> Ranking:
        """Wait for the person's answer."""
        return human_ranking(candidates, self.iteration_dir(iteration), title=self.text,
                             context=f"Iteration {iteration}: pick the rollout closest to "
                                     f"“{self.text}” and the furthest.",
                             mode=self.mode, announce=self.announce)


class PreferenceSource:
    """ICPL-style feedback: the best and worst candidates' code, from a ranking.

    Args:
        ranker: who ranks (a person or the oracle).
        fallback: used when fewer than two candidates trained (nothing to compare).
    """

    def __init__(self, ranker: Ranker, fallback: FeedbackSource):
        self.ranker, self.fallback = ranker, fallback

    def give(self, iteration: int, scored: list[ScoredCandidate], ranking: list[str] | None,
             best: BestSoFar) -> Feedback:
        """Preference feedback from the ranker's answer."""
        if sum(not c.failed for c in scored) < 2:
            return self.fallback.give(iteration, scored, ranking, best)
        return preference_feedback(iteration, scored, self.ranker.rank(iteration, scored),
                                   best.changes())


def make_feedback_source(kind: str, *, steps: int, text: str, seed: int = 0,
                         iteration_dir: Callable[[int], Path] | None = None,
                         rank_mode: str = "web", oracle_beta: float | None = None,
                         oracle_mistake_rate: float = 0.0,
                         announce: Callable[[str], None] = print) -> FeedbackSource:
    """The source for ``--feedback KIND`` (``reflection``, ``synthetic`` or ``preference``)."""
    reflection = ReflectionSource(steps)
    if kind == "reflection":
        return reflection
    if kind == "synthetic":
        return PreferenceSource(OracleRanker(seed, oracle_beta, oracle_mistake_rate), reflection)
    if kind == "preference":
        if iteration_dir is None:
            raise ValueError("human preferences need iteration_dir (where the answer is saved)")
        return PreferenceSource(HumanRanker(iteration_dir, text, rank_mode, announce), reflection)
    raise ValueError(f"unknown feedback kind {kind!r}; expected reflection, synthetic or "
                     f"preference")
