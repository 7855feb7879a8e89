"""A synthetic preference teacher that ranks candidates by their known task fitness.

``--feedback synthetic`` replaces the person in front of the ranking page with this oracle so that
preference-driven runs (ICPL style) can be benchmarked without a human, and so that their
sensitivity to an imperfect teacher can be measured. The noise models are the simulated teachers
of B-Pref (Lee et al., 2021, "B-Pref: Benchmarking Preference-Based Reinforcement Learning"),
applied to one scalar fitness per candidate instead of a segment return:

* **Stoch** (``rationality_beta``): Boltzmann-rational choice,
  ``P(a > b) = sigmoid(beta * (fitness_a - fitness_b))``. ``None`` is a perfectly rational teacher
  (beta -> infinity); ``0`` answers uniformly at random. (B-Pref's code spells "perfect" as
  ``beta <= 0``; ``None`` is used here so that ``0`` keeps its mathematical meaning.)
* **Mistake** (``mistake_rate``): after choosing, the answer is flipped with this probability.
* **Skip** (``skip_threshold``): when *both* fitnesses are at or below the threshold the teacher
  declines to answer (neither rollout shows anything worth comparing). Like B-Pref, only a
  positive threshold enables it, so ``0.0`` means "never skip".
* **Equal** (``equal_threshold``): when the fitnesses differ by less than the threshold the
  teacher answers "equally good" (0.5). An "equal" answer is never flipped by a mistake.

B-Pref scales the skip and equal thresholds by the typical return; here they are absolute, in the
task's fitness units, so the caller (who knows the fitness scale) sets them directly. With the
defaults the oracle is a perfect teacher. The oracle only ever reports a ranking, never fitness
values, so the designer can't learn the hidden fitness from the feedback text.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import combinations

from rewardsmith.feedback.ranking import Ranking, RankingError

Preference = float | None
"""1.0: a preferred; 0.0: b preferred; 0.5: equally good; None: the teacher skipped the query."""


class SyntheticOracle:
    """Simulated teacher answering preference queries from task fitness (B-Pref noise models).

    Args:
        rationality_beta: Boltzmann rationality; larger is more reliable. ``None`` (default) is a
            perfectly rational teacher, ``0`` a coin flip. Set it relative to the fitness scale:
            a fitness gap of ``1 / beta`` is answered correctly about 73% of the time.
        mistake_rate: probability in [0, 1] of flipping a (non-equal) answer. Default 0.
        skip_threshold: skip a query when both fitnesses are <= this; only positive values enable
            skipping (B-Pref convention). Default 0.0 (never skip).
        equal_threshold: answer "equal" when ``|fitness_a - fitness_b| < equal_threshold``.
            Default 0.0 (never equal, except that a perfect teacher calls identical fitnesses
            equal).
        seed: seed of the oracle's own random stream; the same seed and the same sequence of
            calls give the same answers.

    Raises:
        ValueError: a parameter is out of range.
    """

    def __init__(
        self,
        rationality_beta: float | None = None,
        mistake_rate: float = 0.0,
        skip_threshold: float = 0.0,
        equal_threshold: float = 0.0,
        seed: int = 0,
    ) -> None:
        if rationality_beta is not None and not rationality_beta >= 0:
            raise ValueError(
                f"rationality_beta must be >= 0 or None (perfect teacher), got {rationality_beta}"
            )
        if not 0.0 <= mistake_rate <= 1.0:
            raise ValueError(f"mistake_rate must be a probability in [0, 1], got {mistake_rate}")
        if not equal_threshold >= 0:
            raise ValueError(f"equal_threshold must be >= 0, got {equal_threshold}")
        self.rationality_beta = rationality_beta
        self.mistake_rate = mistake_rate
        self.skip_threshold = skip_threshold
        self.equal_threshold = equal_threshold
        self.seed = seed
        self._rng = random.Random(seed)

    @property
    def is_perfect(self) -> bool:
        """True when no noise model is active (the teacher always answers by true fitness)."""
        return (
            self.rationality_beta is None
            and self.mistake_rate == 0
            and self.skip_threshold <= 0
            and self.equal_threshold == 0
        )

    def compare(self, fitness_a: float, fitness_b: float) -> Preference:
        """Answer one pairwise query "is rollout a better than rollout b?".

        Args:
            fitness_a: task fitness of the first candidate (higher is better).
            fitness_b: task fitness of the second candidate.

        Returns:
            1.0 if a is preferred, 0.0 if b is, 0.5 for "equally good", ``None`` if skipped.
        """
        if self.skip_threshold > 0 and max(fitness_a, fitness_b) <= self.skip_threshold:
            return None
        diff = fitness_a - fitness_b
        if abs(diff) < self.equal_threshold:
            return 0.5
        if self.rationality_beta is None:
            if diff == 0:
                return 0.5
            answer = 1.0 if diff > 0 else 0.0
        else:
            answer = 1.0 if self._rng.random() < _sigmoid(self.rationality_beta * diff) else 0.0
        if self.mistake_rate > 0 and self._rng.random() < self.mistake_rate:
            answer = 1.0 - answer
        return answer

    def rank(self, candidates: Sequence[tuple[str, float | None]]) -> Ranking:
        """Pick the best and the worst candidate from noisy pairwise comparisons.

        Every pair of candidates that produced a fitness is compared once (round robin) and each
        candidate scores its Borda count: 1 per win, 0.5 per "equal", nothing for a skip. With a
        perfect teacher this is the true argmax / argmin of fitness. Ties in score are broken by
        the oracle's random stream, never by fitness, so the noise model is all the teacher knows.
        Candidates whose fitness is ``None`` or NaN (training failed) are never compared: they are
        always ranked last and so can be the worst but never the best.

        Args:
            candidates: ``(id, fitness)`` pairs; higher fitness is better.

        Returns:
            A ranking with ``source="synthetic"``, the full ``order`` (best to worst), ``queries``
            equal to the number of pairwise comparisons asked (skipped ones included) and a short
            ``why`` that reports win counts but not fitness values.

        Raises:
            RankingError: no candidates, repeated ids, or every candidate failed (nothing can be
                called best).
        """
        ids = [cid for cid, _ in candidates]
        if not ids:
            raise RankingError("the oracle has no candidates to rank")
        if len(set(ids)) != len(ids):
            raise RankingError(f"candidate ids must be unique, got {ids}")
        alive = [(cid, float(f)) for cid, f in candidates if f is not None and not math.isnan(f)]
        failed = [cid for cid, f in candidates if f is None or math.isnan(f)]
        if not alive:
            raise RankingError(
                f"every candidate failed (no fitness for {failed}); there is no best to report"
            )
        scores = {cid: 0.0 for cid, _ in alive}
        queries = skipped = equal = 0
        for (id_a, fit_a), (id_b, fit_b) in combinations(alive, 2):
            answer = self.compare(fit_a, fit_b)
            queries += 1
            if answer is None:
                skipped += 1
                continue
            equal += answer == 0.5
            scores[id_a] += answer
            scores[id_b] += 1.0 - answer
        tiebreak = {cid: self._rng.random() for cid in scores}
        order = sorted(scores, key=lambda cid: (-scores[cid], tiebreak[cid])) + failed
        best, worst = order[0], order[-1]
        why = (
            f"Synthetic teacher ({self.describe()}): {queries} pairwise comparisons "
            f"({skipped} skipped, {equal} equal); wins: "
            + ", ".join(f"{cid}={scores[cid]:g}" for cid in order if cid in scores)
            + (f"; failed: {', '.join(failed)}" if failed else "")
        )
        return Ranking(
            best=best, worst=worst, why=why, order=order, source="synthetic", queries=queries
        )

    def describe(self) -> str:
        """One-line description of the noise model, for logs and the ranking's ``why``."""
        if self.is_perfect:
            return "perfect"
        parts = []
        if self.rationality_beta is not None:
            parts.append(f"beta={self.rationality_beta:g}")
        if self.mistake_rate:
            parts.append(f"mistake={self.mistake_rate:g}")
        if self.skip_threshold > 0:
            parts.append(f"skip<={self.skip_threshold:g}")
        if self.equal_threshold:
            parts.append(f"equal<{self.equal_threshold:g}")
        return ", ".join(parts)


def _sigmoid(x: float) -> float:
    """Numerically safe logistic function (large |beta * diff| must not overflow ``exp``)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
