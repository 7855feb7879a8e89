"""Successive halving over candidate rewards: spend the step budget on the ones that look best.

Every candidate trains to the first rung (a fraction of the budget); the candidates are ranked
and the top ``1/eta`` of them go on training to the next rung, and so on; those that reach the
last rung have trained the whole budget. With the default rungs ``(0.25, 0.5, 1.0)`` and
``eta = 2``, K candidates cost about K/2 full trainings instead of K (Jamieson & Talwalkar 2016,
"Non-stochastic best arm identification and hyperparameter optimization").

Ranking is by the task's fitness, or by a supplied ranking (preferences) when a task has none,
and never by the candidate's own return: each candidate's reward has its own scale, and a reward
that is easy to collect says nothing about whether the task is solved. This module is pure logic
(no I/O), so it is tested without training anything.

Halving trusts that a candidate leading at a rung still leads at the end. Learning curves can
cross: on cheetah-run with a third of the task's budget, a reward that caps the speed at 1 m/s
led at the half-budget rung in one build's run, and the uncapped reference, which wins at the
full budget, stopped there (benchmarks/bench_halving.py). At the task's own budget the curves
had parted by the first rung. ``min_keep=2`` takes the two leaders to the end, for half a
candidate's budget more (with the default rungs).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

DEFAULT_RUNGS = (0.25, 0.5, 1.0)
DEFAULT_RUNGS_TEXT = ",".join(f"{r:g}" for r in DEFAULT_RUNGS)  # "0.25,0.5,1", as typed

RankFn = Callable[[list["RungEntry"]], list[str]]
"""Orders the candidates that finished a rung, best first, by their ids (preference ranking).

It gets the live (not failed) entries of one rung and must return every one of their ids once;
use it when the task has no fitness: a person picking the best rollout video, or the synthetic
oracle of :mod:`rewardsmith.feedback.oracle`.
"""


@dataclass(frozen=True)
class HalvingConfig:
    """Where the rungs are and how many candidates each one keeps.

    Attributes:
        rungs: increasing fractions of the step budget, the last one ``1.0``. ``(1.0,)`` trains
            every candidate on the whole budget (no early stopping).
        eta: keep the best ``1/eta`` of the candidates that entered a rung (at least
            ``min_keep``); Hyperband's default is 3, 2 suits the few candidates of one
            design iteration.
        min_keep: fewest candidates promoted from a rung.
    """

    rungs: tuple[float, ...] = DEFAULT_RUNGS
    eta: float = 2.0
    min_keep: int = 1

    def __post_init__(self) -> None:
        rungs = tuple(float(r) for r in self.rungs)
        object.__setattr__(self, "rungs", rungs)
        if not rungs or any(not 0 < r <= 1 for r in rungs):
            raise ValueError(f"rungs must be fractions of the budget in (0, 1], got {rungs}")
        if any(b <= a for a, b in itertools.pairwise(rungs)):
            raise ValueError(f"rungs must increase strictly, got {rungs}")
        if rungs[-1] != 1.0:
            raise ValueError(f"the last rung must be 1.0 (the whole budget), got {rungs}; "
                             f"append 1.0")
        if not self.eta > 1:
            raise ValueError(f"eta must be > 1 (keep the best 1/eta per rung), got {self.eta}")
        if self.min_keep < 1:
            raise ValueError(f"min_keep must be >= 1, got {self.min_keep}")

    @classmethod
    def full_budget(cls) -> HalvingConfig:
        """No early stopping: every candidate trains the whole budget (the baseline)."""
        return cls(rungs=(1.0,))

    def rung_steps(self, budget: int) -> list[int]:
        """Target env steps of each rung for a ``budget`` (at least one step each)."""
        return [max(1, round(budget * r)) for r in self.rungs]

    def n_keep(self, n_entered: int) -> int:
        """How many of ``n_entered`` candidates go on to the next rung."""
        return min(n_entered, max(self.min_keep, math.floor(n_entered / self.eta)))

    def expected_cost(self, n_candidates: int) -> float:
        """Budget fractions spent on ``n_candidates`` when none fails (sum over candidates)."""
        cost, n, done = 0.0, n_candidates, 0.0
        for rung in self.rungs:
            cost += n * (rung - done)
            done, n = rung, self.n_keep(n)
        return cost


@dataclass
class RungEntry:
    """One candidate's standing at the end of a rung.

    Attributes:
        id: the candidate id.
        index: position in the caller's candidate list (the last tie-break: stable order).
        fitness: the task fitness of the rung's final evaluation (None: no fitness).
        curve: the fitness of every evaluation so far, all rungs (the first tie-break).
        failed: the candidate crashed, hung or broke the reward contract at this rung.
        info: anything else a ranking function may want (video path, summary, metrics).
    """

    id: str
    index: int
    fitness: float | None = None
    curve: list[float] = field(default_factory=list)
    failed: bool = False
    info: dict = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        """Not failed, and has a finite fitness."""
        return not self.failed and self.fitness is not None and math.isfinite(self.fitness)


def rank_entries(entries: Sequence[RungEntry], rank_fn: RankFn | None = None) -> list[str]:
    """Order a rung's candidates best first.

    By fitness (higher is better); ties go to the candidate whose fitness curve has the higher
    mean, i.e. the one that learned sooner, then to the earlier candidate. With ``rank_fn`` the
    live candidates are ordered by it instead (preferences). Failed candidates, and candidates
    without a finite fitness when ranking by fitness, always come last in their given order.

    Args:
        entries: the candidates that entered the rung.
        rank_fn: optional preference ranking; replaces fitness.

    Returns:
        Every entry's id, best first.

    Raises:
        ValueError: ``rank_fn`` returned ids that are not exactly the live candidates.
    """
    live = [e for e in entries if not e.failed]
    if rank_fn is not None:
        ids = [e.id for e in live]
        order = list(rank_fn(live)) if live else []
        if sorted(order) != sorted(ids):
            raise ValueError(f"the ranking function must return each of the ids {ids} exactly "
                             f"once, best first; it returned {order}")
        head = order
    else:
        scored = [e for e in live if e.scored]
        scored.sort(key=lambda e: (-e.fitness, -_mean(e.curve), e.index))
        head = [e.id for e in scored]
    tail = sorted((e for e in entries if e.id not in set(head)), key=lambda e: e.index)
    return head + [e.id for e in tail]


def promote(entries: Sequence[RungEntry], config: HalvingConfig,
            rank_fn: RankFn | None = None) -> tuple[list[str], list[str]]:
    """Split a rung's candidates into those that go on and those that stop here.

    Failed candidates never go on; neither does a candidate without a fitness when ranking by
    fitness. The number kept is :meth:`HalvingConfig.n_keep` of the number that entered, so a
    broken candidate still takes a place in the count (it was a draw from the designer).

    Returns:
        ``(promoted, stopped)`` ids, each best first; failed ones are in neither.
    """
    order = rank_entries(entries, rank_fn)
    by_id = {e.id: e for e in entries}
    eligible = [i for i in order if not by_id[i].failed
                and (rank_fn is not None or by_id[i].scored)]
    keep = config.n_keep(len(entries))
    promoted = eligible[:keep]
    stopped = [i for i in order if i not in promoted and not by_id[i].failed]
    return promoted, stopped


def parse_rungs(text: str, name: str = "rungs") -> tuple[float, ...]:
    """Rungs typed as comma-separated fractions (``"0.25,0.5,1"``); ValueError says the form.

    ``name`` is what the error calls the setting (a flag's name, say).
    """
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"{name} takes comma-separated fractions such as "
                         f"{DEFAULT_RUNGS_TEXT}; got {text!r}") from None


def order_from_best_worst(ids: Sequence[str], best: str, worst: str) -> list[str]:
    """A full order from a best/worst pick (what a person answers): best, the rest, worst.

    The middle keeps the given order, so feed ``ids`` in the fitness-free order of the previous
    rung to keep earlier information.
    """
    middle = [i for i in ids if i not in (best, worst)]
    return [best, *middle] + ([worst] if worst != best else [])


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else -math.inf
