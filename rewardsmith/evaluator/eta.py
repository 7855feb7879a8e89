"""How far an evaluation iteration has got and how long it has left, from its events alone.

:class:`IterationClock` reads the same events as the live table (no files, no training, no
clock of its own: the time comes from an injected ``clock``, so tests drive it with a fake one)
and answers four questions: each candidate's current rung target, how long its current training
job has run, how long the iteration has run, and about how long it has left.

The estimate, kept simple:

* **Work left**, in env steps, rung by rung: every live candidate still to train at a rung
  counts its own steps to that rung's cumulative target; the candidates that successive halving
  will still send to a later rung count that rung's span (its target minus the previous one).
  How many go on is the plan the evaluator posts in ``evaluation_start`` (``entrants``: the
  count :meth:`HalvingConfig.n_keep` gives per rung), capped by the candidates not yet stopped
  or failed.
* **Speed**: the measured rate of one job, steps trained over job-seconds, all jobs so far
  together. A finished job counts from its first event on a worker to its ``rung_done`` (so
  sandbox start-up, evaluations and the video count); a running one counts its training so far,
  from its ``start`` event. It is what a worker really delivers while ``workers`` jobs share
  the machine.
* **Time**: each rung's jobs are spread over the workers: about ``max(work / min(workers, jobs),
  longest job) / rate`` per rung (a rung's last job can keep one worker busy alone), and the
  rungs follow one another (the evaluator starts a rung once the previous one is decided).
* **After a success** (``succeeded``, under ``end_at_success``): no later rung runs and the
  queued trainings are skipped, so only the trainings running then count, each to its rung's
  target (an upper bound: they end at their next evaluation).

Re-evaluation jobs after the last rung (a few episodes per candidate) are not counted; the
caption says so. PPO trains whole rollouts (``n_steps`` x ``n_envs``), so a job ends at the
first rollout past its rung target and its steps can pass the target by less than a rollout.

Every number read from an event is used only when it is an integer (job events are written by
the sandboxed candidate's process), and a job's claimed steps count for the rate at most twice
its rung's span, so a forged progress event cannot make the estimate absurd.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]

# Where a candidate is: still to train at its rung, trained it, or out of the iteration.
WAITING, TRAINING, TRAINED, OUT = "waiting", "training", "trained", "out"
_IN_PLAY = (WAITING, TRAINING)


@dataclass
class _Candidate:
    rung: int = 0
    steps: int = 0
    phase: str = WAITING
    job_start: float | None = None  # the current training job's first event on a worker
    job_end: float | None = None


@dataclass
class _Job:
    """One training job's measured span (for the rate)."""

    span: int | None  # its rung's steps (target minus the previous target); None: unknown
    begin_t: float  # its first event on a worker
    start_t: float | None = None  # its ``start`` event (training begins)
    begin_steps: int | None = None
    last_t: float | None = None  # its latest progress
    last_steps: int | None = None
    end_t: float | None = None  # its ``rung_done``
    end_steps: int | None = None

    def measured(self) -> tuple[int, float]:
        """(steps trained, seconds) to count for the rate; (0, 0) while too early to tell.

        A finished job counts its whole wall time, start-up and final evaluation included; a
        running one counts from its ``start`` event, once it has trained a tenth of its span
        (PPO's steps come in bursts of a rollout, so the first seconds say little).
        """
        if self.begin_steps is None:
            return 0, 0.0
        if self.end_t is not None and self.end_steps is not None:
            steps, seconds = self.end_steps - self.begin_steps, self.end_t - self.begin_t
        elif self.start_t is not None and self.last_t is not None and self.last_steps is not None:
            steps, seconds = self.last_steps - self.begin_steps, self.last_t - self.start_t
            if self.span is not None and steps < self.span / 10:
                return 0, 0.0
        else:
            return 0, 0.0
        steps = max(steps, 0) if self.span is None else min(max(steps, 0), 2 * self.span)
        return steps, max(seconds, 0.0)


class IterationClock:
    """Times and targets of one evaluation iteration, fed with the evaluator's events.

    Args:
        ids: the candidates.
        clock: the time in seconds (``time.monotonic`` by default; a fake one in tests).
    """

    def __init__(self, ids: Iterable[str], clock: Clock = time.monotonic):
        self.clock = clock
        self.cands = {i: _Candidate() for i in ids}
        self.targets: list[int] = []
        self.entrants: list[int] = []
        self.workers = 1
        self.start: float | None = None
        self.end: float | None = None
        self.ended_by = ""
        self.succeeded: str | None = None  # the candidate whose success ends the iteration
        self.jobs: dict[tuple[str, int], _Job] = {}

    # events ------------------------------------------------------------------------------
    def update(self, event: dict[str, Any]) -> None:
        """Apply one event (events of re-evaluation jobs are ignored)."""
        now = self.clock()
        kind = event.get("event")
        if kind == "evaluation_start":
            self._begin(event, now)
            return
        if kind in ("evaluation_done", "evaluation_interrupted"):
            self.end = now
            self.ended_by = "done" if kind == "evaluation_done" else "interrupted"
            return
        cand = self.cands.get(event.get("candidate"))
        if cand is None or event.get("job", "train") != "train":
            return
        if kind == "succeeded":  # says nothing of the winner's own job: it already ended
            self.succeeded = event["candidate"]
            return
        if self.start is None:  # no evaluation_start seen: time from the first event
            self.start = now
        rung = as_int(event.get("rung"))
        if rung is not None and not (0 <= rung and (not self.targets or rung < len(self.targets))):
            rung = None
        steps = as_int(event.get("steps"))
        if kind == "queued":
            if rung is not None and (rung != cand.rung or cand.phase == WAITING):
                self.cands[event["candidate"]] = cand = _Candidate(rung, cand.steps)
            return
        if rung is not None and rung != cand.rung:  # a job's first event before its "queued"
            cand.rung, cand.phase, cand.job_start, cand.job_end = rung, WAITING, None, None
        if steps is not None:
            cand.steps = steps
        job = self.jobs.get((event["candidate"], cand.rung))
        if kind in ("worker_ready", "start", "progress", "eval", "done") and cand.phase in _IN_PLAY:
            cand.phase = TRAINING
            if cand.job_start is None:
                cand.job_start = now
            if job is None:
                job = self.jobs[(event["candidate"], cand.rung)] = _Job(self._span(cand.rung), now)
            if kind == "start" and steps is not None and job.start_t is None:
                job.start_t, job.begin_steps = now, steps
        if job is not None and steps is not None:
            if kind in ("progress", "eval", "done"):
                job.last_t, job.last_steps = now, steps
            elif kind == "rung_done":
                job.end_t, job.end_steps = now, steps
        if kind in ("rung_done", "reused", "finished", "best"):
            if cand.phase in _IN_PLAY:
                cand.phase = TRAINED
            self._freeze(cand, now)
        elif kind in ("failed", "stopped", "interrupted", "skipped"):
            cand.phase = OUT
            self._freeze(cand, now)

    def _begin(self, event: dict[str, Any], now: float) -> None:
        targets = _ints(event.get("rungs"))
        if targets and all(t > 0 for t in targets):
            self.targets = targets
        entrants = _ints(event.get("entrants"))
        if entrants and len(entrants) == len(self.targets):
            self.entrants = entrants
        workers = as_int(event.get("workers"))
        if workers is not None and workers > 0:
            self.workers = workers
        self.start, self.end, self.ended_by, self.succeeded = now, None, "", None

    @staticmethod
    def _freeze(cand: _Candidate, now: float) -> None:
        if cand.job_start is not None and cand.job_end is None:
            cand.job_end = now

    def _span(self, rung: int) -> int | None:
        if rung >= len(self.targets):
            return None
        return self.targets[rung] - (self.targets[rung - 1] if rung else 0)

    # answers -----------------------------------------------------------------------------
    def target(self, cid: str) -> int | None:
        """The cumulative step target of the candidate's current rung (None: rungs unknown)."""
        cand = self.cands.get(cid)
        if cand is None or cand.rung >= len(self.targets):
            return None
        return self.targets[cand.rung]

    def job_elapsed(self, cid: str) -> float | None:
        """Seconds the candidate's current training job has run (frozen once it ended)."""
        cand = self.cands.get(cid)
        if cand is None or cand.job_start is None:
            return None
        return max((cand.job_end if cand.job_end is not None else self.clock()) - cand.job_start,
                   0.0)

    def elapsed(self) -> float | None:
        """Seconds since the iteration started (frozen once it ended)."""
        if self.start is None:
            return None
        return max((self.end if self.end is not None else self.clock()) - self.start, 0.0)

    def rate(self) -> float | None:
        """Measured env steps per second of one training job (None until one has trained)."""
        steps = secs = 0.0
        for job in self.jobs.values():
            trained, took = job.measured()
            steps, secs = steps + trained, secs + took
        return steps / secs if steps > 0 and secs > 0 else None

    def work_left(self) -> list[list[int]]:
        """The env steps of every training job still to run, per rung (see the module doc)."""
        if not self.targets:
            return []
        alive = sum(c.phase != OUT for c in self.cands.values())
        plan = self.entrants or [alive] * len(self.targets)
        left: list[list[int]] = []
        in_play = (TRAINING,) if self.succeeded else _IN_PLAY
        for r, target in enumerate(self.targets):
            jobs = [max(target - min(c.steps, target), 0) for c in self.cands.values()
                    if c.rung == r and c.phase in in_play]
            if r > 0 and not self.succeeded:
                reached = sum(c.rung >= r for c in self.cands.values())
                jobs += [target - self.targets[r - 1]] * max(min(plan[r], alive) - reached, 0)
            left.append([j for j in jobs if j > 0])
        return left

    def seconds_left(self) -> float | None:
        """About how long the iteration's training has left (None: no rate measured yet)."""
        rate = self.rate()
        if rate is None:
            return None
        total = 0.0
        for jobs in self.work_left():
            if jobs:
                total += max(sum(jobs) / min(self.workers, len(jobs)), max(jobs)) / rate
        return total

    def caption(self) -> str:
        """One line: iteration time and the estimate, e.g. ``elapsed 1:05 · about 3:20 left``."""
        elapsed = self.elapsed()
        if elapsed is None:
            return ""
        head = f"iteration elapsed {format_duration(elapsed)}"
        if self.end is not None:
            return f"{head} · {self.ended_by}"
        if not self.targets:  # no evaluation_start: nothing to estimate from
            return head
        steps_left = sum(map(sum, self.work_left()))
        if steps_left == 0:
            return f"{head} · training done (re-evaluation not counted)"
        if self.succeeded:
            return (f"{head} · {self.succeeded} reached the success threshold: the running "
                    f"trainings end at their next evaluation")
        left = self.seconds_left()
        if left is None:
            return f"{head} · time left: estimating..."
        rate = self.rate() or 0.0
        return (f"{head} · about {format_duration(left)} left: {steps_left:,} env steps at "
                f"{rate:,.0f} steps/s a job on {self.workers} worker"
                f"{'s' if self.workers != 1 else ''} (re-evaluation not counted)")


def format_duration(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on)."""
    s = max(int(seconds), 0)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


def as_int(value: Any) -> int | None:
    """An int only when it is one (not a bool, not text)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ints(value: Any) -> list[int]:
    """A list of ints, or [] when it is anything else."""
    if not isinstance(value, list):
        return []
    ints = [as_int(v) for v in value]
    return ints if all(v is not None for v in ints) else []
