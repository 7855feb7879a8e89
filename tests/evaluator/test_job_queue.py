"""The evaluator's job queue: never more jobs in flight than workers; trainings dropped on request.

The executor here runs real threads (two workers) that answer after a short wait, so jobs
overlap as they do in the sandbox; the queue's bookkeeping is what is checked.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from rewardsmith.evaluator.executors import Executor, Job
from rewardsmith.evaluator.job_queue import JobQueue, QueuedJob
from rewardsmith.sandbox.runner import SandboxResult


class ThreadedExecutor(Executor):
    """Answers each job after ``delay_s`` on a two-thread pool, counting jobs in flight."""

    def __init__(self, delay_s: float = 0.05):
        self.workers = 2
        self.delay_s = delay_s
        self.started: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(4)  # more threads than workers: the queue must limit

    def submit(self, job, on_event=None):
        with self._lock:
            self.started.append(job.key)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

        def answer():
            if on_event:
                on_event({"event": "progress", "steps": 1, "total": 1})
            time.sleep(self.delay_s)
            with self._lock:
                self.in_flight -= 1
            return SandboxResult(True, job.kind, {"key": job.key}, None, None, self.delay_s)

        return self._pool.submit(answer)

    def cancel_all(self):
        pass

    def close(self):
        self._pool.shutdown(wait=True)


def _jobs(kind: str, n: int) -> list[QueuedJob]:
    return [QueuedJob(f"c{i}", 0, Job(f"c{i}/{kind}", kind, "")) for i in range(n)]


def test_runs_every_job_with_at_most_workers_in_flight_and_tags_their_events():
    ex, events, results = ThreadedExecutor(), [], []
    queue = JobQueue(ex, events.append, lambda: None)
    queue.run(_jobs("train", 5), on_start=lambda item: None,
              on_result=lambda item, result, flight: results.append(result.result["key"]))
    ex.close()
    assert sorted(results) == [f"c{i}/train" for i in range(5)]
    assert ex.started == [f"c{i}/train" for i in range(5)]  # in the order given
    assert ex.most_in_flight == 2 and queue.jobs_run == 5 and queue.running == set()
    queued = [e for e in events if e["event"] == "queued"]
    assert [e["candidate"] for e in queued] == [f"c{i}" for i in range(5)]
    progress = [e for e in events if e["event"] == "progress"]
    assert {(e["candidate"], e["rung"], e["job"]) for e in progress} == \
        {(f"c{i}", 0, "train") for i in range(5)}


def test_waiting_trainings_are_dropped_once_told_and_other_jobs_still_run():
    ex, seen = ThreadedExecutor(), []
    stop = threading.Event()
    jobs = _jobs("train", 4) + [QueuedJob("c9", 0, Job("c9/reevaluate", "reevaluate", ""))]

    def on_result(item, result, in_flight):
        seen.append((item.job.key, [i.job.key for i in in_flight]))
        stop.set()  # the first result ends the trainings, as a success does

    queue = JobQueue(ex, lambda e: None, lambda: None)
    queue.run(jobs, on_start=lambda item: None, on_result=on_result,
              start_trainings=lambda: not stop.is_set())
    ex.close()
    # the two that started finish; c2 and c3 never start; the re-evaluation still runs
    assert ex.started == ["c0/train", "c1/train", "c9/reevaluate"]
    assert sorted(key for key, _ in seen) == ["c0/train", "c1/train", "c9/reevaluate"]
    first_key, first_in_flight = seen[0]
    assert first_key in ("c0/train", "c1/train") and len(first_in_flight) <= 1
