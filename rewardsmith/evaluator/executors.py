"""Where sandboxed jobs run: threads on this machine, or Ray tasks on a cluster.

Both executors run exactly the same thing, :func:`rewardsmith.sandbox.runner.run_sandboxed`, so a
job gives the same :class:`SandboxResult` wherever it runs. Local: a thread pool whose threads each
start one sandboxed worker process and wait on it (the training happens in the process, so
threads are enough, and the GIL is not in the way). Ray: a remote task calls ``run_sandboxed``
on a node; progress events come back through a Ray queue.

Ray needs the run directory on a filesystem that every node sees at the same path (NFS, or one
machine): a rung continues from the previous rung's checkpoint, which may have been written on
another node.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from rewardsmith.errors import RewardsmithError
from rewardsmith.sandbox.isolation import IsolationLimits
from rewardsmith.sandbox.runner import SandboxResult, run_sandboxed

EventFn = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Job:
    """One sandboxed job.

    Attributes:
        key: unique name, used to route its progress events (e.g. ``"cand_0/rung_1"``).
        kind: a job in ``rewardsmith.sandbox.jobs.JOBS`` (``"train"``, ``"reevaluate"``).
        reward_source: the candidate's source text.
        args: the job's keyword arguments (JSON data; paths relative to ``workdir``).
        workdir: the job's folder (absolute).
        limits: resource limits; the sandbox policy for ``kind`` when None.
        fitness_source: the run's written ``fitness.py`` when no built-in task scores it.
    """

    key: str
    kind: str
    reward_source: str
    args: dict[str, Any] = field(default_factory=dict)
    workdir: Path = Path(".")
    limits: IsolationLimits | None = None
    fitness_source: str | None = None


class JobCancelled(RewardsmithError):
    """The job was stopped by :meth:`Executor.cancel_all` (Ctrl-C) before it finished."""


class Executor(ABC):
    """Runs sandboxed jobs, ``workers`` at a time.

    Attributes:
        workers: jobs that run at once.
    """

    workers: int

    @abstractmethod
    def submit(self, job: Job, on_event: EventFn | None = None) -> Future[SandboxResult]:
        """Queue ``job``; ``on_event`` gets its progress events, from another thread.

        The future gives the :class:`SandboxResult` (a failed candidate is a result, not an
        exception), or raises :class:`JobCancelled` after :meth:`cancel_all`.
        """

    @abstractmethod
    def cancel_all(self) -> None:
        """Stop every running job (its sandbox is killed) and drop the queued ones.

        The executor takes no new jobs afterwards (Ctrl-C ends the run); make a new one.
        """

    @abstractmethod
    def close(self) -> None:
        """Release threads (and the Ray connection this executor opened)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    """The cores this process may use: one training per core (measured ~2x for 2 on 2)."""
    return max(1, len(os.sched_getaffinity(0)))


class LocalExecutor(Executor):
    """Sandboxed worker processes on this machine, ``workers`` at a time.

    Args:
        workers: parallel jobs; the number of usable cores by default.
    """

    def __init__(self, workers: int | None = None):
        self.workers = int(workers or default_workers())
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="rewardsmith-job")
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, Path] = {}

    def submit(self, job: Job, on_event: EventFn | None = None) -> Future[SandboxResult]:
        return self._pool.submit(self._run, job, on_event)

    def _run(self, job: Job, on_event: EventFn | None) -> SandboxResult:
        if self._cancel.is_set():
            raise JobCancelled(f"job {job.key} was cancelled before it started")

        def guarded(event: dict[str, Any]) -> None:
            # Raising here makes run_sandboxed kill its own sandbox (its documented path).
            if self._cancel.is_set():
                raise JobCancelled(f"job {job.key} was cancelled")
            if on_event is not None:
                on_event(event)

        workdir = Path(job.workdir).resolve()
        with self._lock:
            self._running[job.key] = workdir
        try:
            result = run_sandboxed(job.kind, job.reward_source, job.args, workdir, job.limits,
                                   guarded, fitness_source=job.fitness_source)
        finally:
            with self._lock:
                self._running.pop(job.key, None)
        if self._cancel.is_set() and not result.ok:
            raise JobCancelled(f"job {job.key} was cancelled")
        return result

    def cancel_all(self, timeout_s: float = 15.0) -> None:
        self._cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        # A job that emits no events (a hung reward) is killed here, by its process id; repeat
        # until every thread has seen its sandbox die, which also covers a job that was just
        # starting its process when we looked.
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                workdirs = set(self._running.values())
            if not workdirs:
                break
            kill_sandboxes(workdirs)
            time.sleep(0.1)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def kill_sandboxes(workdirs: set[Path]) -> list[int]:
    """Kill the sandboxes this process started in ``workdirs``; return their process ids.

    ``run_sandboxed`` starts each sandbox as a child of this process, in a session of its own
    (so the terminal's Ctrl-C does not reach it) and with the job folder as working directory:
    that identifies it among our children. Killing the process group kills bubblewrap, and the
    kernel then kills everything in its pid namespace.
    """
    me, killed = os.getpid(), []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, session = int(fields[1]), int(fields[3])
            if ppid != me or session != pid:
                continue
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or not ours to read
        if cwd in workdirs:
            try:
                os.killpg(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
    return killed


def _run_on_node(job: dict[str, Any], key: str, queue: Any) -> dict[str, Any]:
    """The Ray task: run one job in the sandbox on whichever node Ray picked."""
    from ray.util.queue import Full

    limits = IsolationLimits(**job["limits"]) if job["limits"] else None

    def emit(event: dict[str, Any]) -> None:
        try:
            queue.put_nowait((key, event))
        except Full:
            pass  # progress is best effort; the result does not depend on it

    result = run_sandboxed(job["kind"], job["reward_source"], job["args"], Path(job["workdir"]),
                           limits, emit, fitness_source=job.get("fitness_source"))
    return result.to_dict()


class RayExecutor(Executor):
    """Sandboxed jobs as Ray tasks (one CPU each), on a local Ray or a cluster.

    Args:
        address: the cluster (``ray.init(address=...)``); a local Ray when None. Ignored when
            Ray is already initialised in this process.
        workers: jobs in flight at once; the cluster's CPUs by default.
        init_kwargs: more ``ray.init`` arguments (e.g. ``num_cpus``, ``include_dashboard``).
    """

    def __init__(self, address: str | None = None, workers: int | None = None, *,
                 init_kwargs: dict[str, Any] | None = None):
        try:
            import ray
            from ray.util.queue import Queue
        except ImportError:
            raise RewardsmithError("the Ray executor needs Ray: pip install 'ray[default]' "
                                   "(or pip install 'rewardsmith[ray]')") from None
        self._ray = ray
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, **(init_kwargs or {}))
        self.workers = int(workers or max(1, int(ray.cluster_resources().get("CPU", 1))))
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_run_on_node)
        self._queue = Queue(maxsize=10_000, actor_options={"num_cpus": 0})
        self._listeners: dict[str, EventFn] = {}
        self._refs: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="rewardsmith-ray")
        self._drainer = threading.Thread(target=self._drain, name="rewardsmith-ray-events",
                                         daemon=True)
        self._drainer.start()

    def submit(self, job: Job, on_event: EventFn | None = None) -> Future[SandboxResult]:
        return self._pool.submit(self._run, job, on_event)

    def _run(self, job: Job, on_event: EventFn | None) -> SandboxResult:
        if self._cancel.is_set():
            raise JobCancelled(f"job {job.key} was cancelled before it started")
        payload = {"kind": job.kind, "reward_source": job.reward_source, "args": job.args,
                   "fitness_source": job.fitness_source,
                   "workdir": str(Path(job.workdir).resolve()),
                   "limits": job.limits.to_dict() if job.limits else None}
        with self._lock:
            if on_event is not None:
                self._listeners[job.key] = on_event
            ref = self._remote.remote(payload, job.key, self._queue)
            self._refs[job.key] = ref
        try:
            return SandboxResult(**self._ray.get(ref))
        except (self._ray.exceptions.TaskCancelledError,
                self._ray.exceptions.WorkerCrashedError) as e:
            if self._cancel.is_set():
                raise JobCancelled(f"job {job.key} was cancelled") from e
            raise
        finally:
            with self._lock:
                self._refs.pop(job.key, None)
                self._listeners.pop(job.key, None)

    def _drain(self) -> None:
        from ray.util.queue import Empty

        while not self._stop.is_set():
            try:
                key, event = self._queue.get(timeout=0.2)
            except Empty:
                continue
            except self._ray.exceptions.RayError:
                return  # Ray went down (close, or the cluster is gone)
            with self._lock:
                listener = self._listeners.get(key)
            if listener is not None:
                listener(event)

    def cancel_all(self) -> None:
        self._cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            refs = list(self._refs.values())
        for ref in refs:
            # force=True kills the Ray worker; bubblewrap's --die-with-parent takes the sandbox.
            self._ray.cancel(ref, force=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._stop.set()
        self._drainer.join(timeout=2)
        self._queue.shutdown()  # the queue is an actor: it would outlive us on a shared cluster
        if self._owns_ray:
            self._ray.shutdown()


def make_executor(executor: str | Executor | None = "local", workers: int | None = None,
                  ray_address: str | None = None) -> Executor:
    """An executor from its name (``"local"`` or ``"ray"``), or the one given.

    Raises:
        ValueError: an unknown executor name.
    """
    if isinstance(executor, Executor):
        return executor
    if executor in (None, "local"):
        return LocalExecutor(workers)
    if executor == "ray":
        return RayExecutor(ray_address, workers)
    raise ValueError(f"unknown executor {executor!r}; expected 'local' or 'ray'")
