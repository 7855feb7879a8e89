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

Which fitness: not the rung's last evaluation alone, but :func:`rung_score`, the mean of the
last ``window`` evaluations (3 by default). One evaluation is a few episodes of one policy
snapshot, and PPO's snapshots wobble: a reward whose policy happens to balance for one
evaluation (curve ``0.1, 0.1, 0.9``) would push out one that has been improving steadily
(``0.6, 0.65, 0.7``), and a stopped candidate never gets the chance to show it was the better
one. The evaluator evaluates about every tenth of the budget, so at the last rung the last 3
evaluations span the last ~30% of training: the recent level, not the early learning, and
about sqrt(3) less noise than one evaluation when the level is flat. The price is a lag: a
curve that is still climbing scores below its last point; a trend (a fitted slope) would undo
that, but with the 2-3 evaluations of the first rung a slope is noisier than the level it
corrects. The same score ranks every rung, the last one too, so the best reward is the one
that stayed good, not the one with the luckiest final draw; the fitness the evaluator records
and shows per rung stays the last evaluation (what the saved policy scored).

Halving trusts that a candidate leading at a rung still leads at the end. Learning curves can
cross: on cheetah-run with a third of the task's budget, a reward that caps the speed at 1 m/s
led at the half-budget rung in one build's run, and the uncapped reference, which wins at the
full budget, stopped there (benchmarks/bench_halving.py). At the task's own budget the curves
had parted by the first rung. ``min_keep=2`` takes the two leaders to the end, for half a
candidate's budget more (with the default rungs). Candidates tied at the cut all go on
(:func:`promote`): a cut among equal scores would go by list position.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

DEFAULT_RUNGS = (0.25, 0.5, 1.0)
DEFAULT_RUNGS_TEXT = ",".join(f"{r:g}" for r in DEFAULT_RUNGS)  # "0.25,0.5,1", as typed
DEFAULT_WINDOW = 3  # evaluations averaged by rung_score: ~30% of the budget at the last rung

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
        window: how many of the latest evaluations :func:`rung_score` averages; 1 ranks by
            the rung's last evaluation alone.
    """

    rungs: tuple[float, ...] = DEFAULT_RUNGS
    eta: float = 2.0
    min_keep: int = 1
    window: int = DEFAULT_WINDOW

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
        if not isinstance(self.window, int) or self.window < 1:
            raise ValueError(f"window must be a whole number of evaluations >= 1, "
                             f"got {self.window!r}")

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

    def planned_entrants(self, n_candidates: int) -> list[int]:
        """How many candidates enter each rung when none fails (the live table's estimate)."""
        counts = [n_candidates]
        for _ in self.rungs[1:]:
            counts.append(self.n_keep(counts[-1]))
        return counts

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
        curve: the fitness of every evaluation so far, all rungs, the final one included
            (what :func:`rung_score` averages the end of).
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


def rung_score(entry: RungEntry, window: int = DEFAULT_WINDOW) -> float | None:
    """What ranks a candidate at a rung: the mean fitness of its last ``window`` evaluations.

    Non-finite evaluations are skipped, and a curve shorter than ``window`` is averaged whole;
    an entry with no finite curve scores its ``fitness``. None when the entry is not
    :attr:`~RungEntry.scored` (failed, or no finite fitness), so it is never ranked by score.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1 evaluation, got {window}")
    if not entry.scored:
        return None
    recent = _finite(entry.curve)[-window:] or [entry.fitness]
    return sum(recent) / len(recent)


def rank_entries(entries: Sequence[RungEntry], rank_fn: RankFn | None = None,
                 window: int = DEFAULT_WINDOW) -> list[str]:
    """Order a rung's candidates best first.

    By :func:`rung_score` (higher is better); ties go to the higher final fitness, then to the
    candidate whose whole fitness curve has the higher mean, i.e. the one that learned sooner,
    then to the earlier candidate. With ``rank_fn`` the live candidates are ordered by it
    instead (preferences). Failed candidates, and candidates without a finite fitness when
    ranking by fitness, always come last in their given order.

    Args:
        entries: the candidates that entered the rung.
        rank_fn: optional preference ranking; replaces fitness.
        window: evaluations :func:`rung_score` averages (:attr:`HalvingConfig.window`).

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
        scored.sort(key=lambda e: (*_tie_key(e, window), e.index))
        head = [e.id for e in scored]
    tail = sorted((e for e in entries if e.id not in set(head)), key=lambda e: e.index)
    return head + [e.id for e in tail]


def promote(entries: Sequence[RungEntry], config: HalvingConfig,
            rank_fn: RankFn | None = None) -> tuple[list[str], list[str]]:
    """Split a rung's candidates into those that go on and those that stop here.

    Failed candidates never go on; neither does a candidate without a fitness when ranking by
    fitness. The number kept is :meth:`HalvingConfig.n_keep` of the number that entered, so a
    broken candidate still takes a place in the count (it was a draw from the designer). The
    order is :func:`rank_entries` with the config's ``window``.

    When ranking by fitness, a candidate tied with the last one kept (the same score, final
    fitness and curve: nothing but its position tells them apart) goes on too. A measure that
    pays only near the goal (a speed band, a pose held) is 0 for every candidate until one gets
    close; cutting among those zeros would stop candidates by their place in the list, and the
    winner as likely as any (seen in #15's steering runs: rungs of four candidates all at 0).
    Ties cost steps; they never cost the winner.

    Returns:
        ``(promoted, stopped)`` ids, each best first; failed ones are in neither.
    """
    order = rank_entries(entries, rank_fn, config.window)
    by_id = {e.id: e for e in entries}
    eligible = [i for i in order if not by_id[i].failed
                and (rank_fn is not None or by_id[i].scored)]
    keep = config.n_keep(len(entries))
    promoted = eligible[:keep]
    if rank_fn is None and promoted:
        line = _tie_key(by_id[promoted[-1]], config.window)
        promoted += [i for i in eligible[keep:] if _tie_key(by_id[i], config.window) == line]
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


def _tie_key(entry: RungEntry, window: int) -> tuple[float, float, float]:
    """The fitness ranking's key without the candidate's position (lower sorts first)."""
    return -rung_score(entry, window), -entry.fitness, -_mean(entry.curve)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _mean(values: Sequence[float | None]) -> float:
    finite = _finite(values)
    return sum(finite) / len(finite) if finite else -math.inf
