"""The evaluator's job queue: a job goes to the executor only when one of its workers is free.

Handing an executor every job at once lets its pool start a queued training the instant a
worker frees, before the parent has read the result that made the training pointless (a
success under ``end_at_success``). Here the queue stays with the parent: at most
``executor.workers`` jobs are in flight, each result is handled in the caller's thread as it
comes, and trainings still waiting are dropped once the caller says no more should start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any

from rewardsmith.evaluator.executors import Executor, Job
from rewardsmith.sandbox.runner import SandboxResult

POLL_S = 0.2  # how often events are delivered while every worker is busy


@dataclass(frozen=True)
class QueuedJob:
    """One job and whose it is: the candidate, and the rung it trains (or was trained to)."""

    candidate: str
    rung: int
    job: Job


class JobQueue:
    """Runs jobs on an executor, never more at once than it has workers.

    Args:
        executor: where jobs run.
        post: queues an event (any thread); each job's own events go through it, tagged.
        pump: delivers queued events in the caller's thread.
    """

    def __init__(self, executor: Executor, post: Callable[[dict[str, Any]], None],
                 pump: Callable[[], None]):
        self.executor = executor
        self.post, self.pump = post, pump
        self.running: set[str] = set()  # candidates with a job in flight
        self.jobs_run = 0

    def run(self, jobs: Sequence[QueuedJob], *, on_start: Callable[[QueuedJob], None],
            on_result: Callable[[QueuedJob, SandboxResult, list[QueuedJob]], None],
            start_trainings: Callable[[], bool] = lambda: True) -> None:
        """Run ``jobs``; return when every one that started has its result handled.

        Args:
            jobs: in the order they should start.
            on_start: called just before a job is submitted.
            on_result: called with each finished job, its result and the jobs still in flight.
            start_trainings: asked before each submission; once False, waiting ``train``
                jobs are dropped (other kinds still run).

        Raises:
            Whatever a job's future raises (a cancelled job, a sandbox that cannot start).
        """
        waiting = deque(jobs)
        for item in jobs:
            self.post({"event": "queued", "candidate": item.candidate, "rung": item.rung,
                       "job": item.job.kind})
        futures: dict[Future, QueuedJob] = {}
        pending: set[Future] = set()
        while waiting or pending:
            if not start_trainings():
                waiting = deque(i for i in waiting if i.job.kind != "train")
            while waiting and len(pending) < self.executor.workers:
                item = waiting.popleft()
                on_start(item)
                fut = self._submit(item)
                futures[fut] = item
                pending.add(fut)
            if not pending:
                continue
            done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            self.pump()
            for fut in done:
                item = futures[fut]
                result: SandboxResult = fut.result()
                self.jobs_run += 1
                self.running.discard(item.candidate)
                self.pump()  # the job's last events before its outcome
                on_result(item, result, [futures[f] for f in pending])
        self.pump()

    def _submit(self, item: QueuedJob) -> Future:
        self.running.add(item.candidate)

        def forward(event: dict[str, Any]) -> None:
            self.post({**event, "candidate": item.candidate, "rung": item.rung,
                       "job": item.job.kind})

        return self.executor.submit(item.job, forward)
