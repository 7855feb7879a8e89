"""Score K candidate rewards: sandboxed trainings, W in parallel, with successive halving.

Each candidate has a folder ``<out_dir>/<id>/``. The trusted files there are written by this
module: ``status.json`` (what is done: the resume record), ``rung_<r>.json`` (that rung's
training metrics), ``metrics.json`` (everything merged, with the analyzer's inputs),
``analysis.json`` (the re-evaluation with per-episode traces) and copies of the latest policy and
video. ``sandbox/`` is the job folder the untrusted worker writes (``rung_<r>/`` per rung, rung
``r`` continuing from rung ``r-1`` with ``init_from``); it is only read through
:mod:`rewardsmith.sandbox.outputs` (bounded, regular files, no symlinks, checked shapes), and a
job whose output is refused fails its candidate with a short reason, recorded like any other
failure: it never stops the run, and a resume does not run it again.

Resume: a rung whose result is in ``status.json`` (same source, task, budget, seed, training
settings and rung target) is never run again, and the halving decisions are kept in
``<out_dir>/halving.json``, so calling :func:`evaluate_candidates` again on the same folder after
Ctrl-C continues where it stopped, and on a finished folder returns the same report at once.

Events (dicts, to ``on_event``, the live table and ``<out_dir>/events.log``): the evaluator's own
``evaluation_start``, ``queued``, ``reused``, ``rung_done``, ``failed``, ``promoted``,
``stopped``, ``succeeded``, ``skipped``, ``finished``, ``reevaluated``, ``signatures``, ``best``,
``evaluation_done``, ``interrupted``, ``evaluation_interrupted``; and the jobs' own
(``worker_ready``, ``start``, ``progress``, ``eval``, ``done``, ``reeval``) with ``candidate``,
``rung`` and ``job`` added.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rewardsmith.errors import RewardsmithError
from rewardsmith.evaluator.candidate_dir import (
    Candidate,
    CandidateDir,
    CandidateResult,
    read_record,
    validate_ids,
)
from rewardsmith.evaluator.executors import Executor, Job, make_executor
from rewardsmith.evaluator.halving import HalvingConfig, RankFn, RungEntry, promote, rank_entries
from rewardsmith.evaluator.job_queue import JobQueue, QueuedJob
from rewardsmith.evaluator.live import EventLog, LiveTable
from rewardsmith.run_dir import EVENTS_LOG, HALVING_JSON, REPORT_JSON, VIDEO_MP4, rung_dir
from rewardsmith.safe_files import write_json
from rewardsmith.sandbox.isolation import IsolationLimits
from rewardsmith.sandbox.runner import SandboxResult

logger = logging.getLogger(__name__)
EventFn = Callable[[dict[str, Any]], None]
N_EVALS = 10  # periodic evaluations over the whole budget
REEVAL_SEEDS = 3  # seeds of the best's final re-evaluation: the one default (design uses it)
FIRST_REEVAL_SEED = 100_000  # far from training's seeds (seed) and its evaluations' (+10_000)
END_FILE = "end_now"  # in a job's folder: the parent's request to end at the next evaluation


@dataclass
class EvaluationReport:
    """The outcome of :func:`evaluate_candidates` (saved as ``<out_dir>/report.json``).

    Attributes:
        ranking: candidate ids, best first: last rung first, then by the rung they stopped at,
            failed ones last.
        best: the best candidate's id (None when all failed).
        best_reeval: the best's re-evaluation: ``fitness_mean``, ``fitness_sem``, ``seeds``.
        env_steps: env steps trained, all candidates together (what halving saves).
        jobs_run: sandboxed jobs run by this call (0 when everything was reused).
    """

    task: str | None
    out_dir: str
    budget: int
    rung_steps: list[int]
    candidates: list[CandidateResult]
    ranking: list[str]
    best: str | None
    best_reeval: dict[str, Any] | None
    env_steps: int
    jobs_run: int
    wall_s: float

    def result(self, candidate_id: str) -> CandidateResult:
        """The result of one candidate."""
        return next(c for c in self.candidates if c.id == candidate_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def evaluate_candidates(task: Any, candidates: Sequence[Candidate], out_dir: str | Path,
                        steps: int | None = None, workers: int | None = None,
                        executor: str | Executor | None = "local",
                        halving: HalvingConfig | None = None, on_event: EventFn | None = None,
                        *, rank_fn: RankFn | None = None, env: str | None = None, seed: int = 0,
                        reeval_seeds: int = REEVAL_SEEDS, n_eval_episodes: int = 4,
                        train_kwargs: dict[str, Any] | None = None,
                        job_timeout_s: float | None = None, ray_address: str | None = None,
                        live: bool | None = None, end_at_success: bool = False
                        ) -> EvaluationReport:
    """Train every candidate in the sandbox under successive halving; re-evaluate the best.

    Args:
        task: a task id or :class:`~rewardsmith.envs.tasks.Task` (its fitness ranks candidates), or
            None with ``env`` and ``rank_fn`` for an env without a task.
        candidates: the rewards to score; ids must be unique folder names.
        out_dir: the run's folder (created; reused on resume).
        steps: full training budget per candidate (the task's default when None).
        workers: parallel jobs (the usable cores by default).
        executor: ``"local"``, ``"ray"`` or an :class:`Executor` (left open for the caller).
        halving: the rungs; :class:`HalvingConfig` defaults, ``HalvingConfig.full_budget()``
            for none.
        on_event: receives every event, in this thread (raising KeyboardInterrupt from it
            stops the evaluation like Ctrl-C).
        rank_fn: preference ranking used instead of the task's fitness.
        env: env id when ``task`` is None.
        seed: training seed of every candidate.
        reeval_seeds: evaluation seeds of the best's final re-evaluation (others get one).
        n_eval_episodes: episodes per evaluation (training's periodic ones and each seed).
        train_kwargs: more ``rewardsmith.rl.training.train`` arguments (``n_envs``, ``algo``,
            ``eval_every``, ``algo_kwargs``, ``video``).
        job_timeout_s: wall-time limit of one job (hung candidates fail after it); by default
            2 minutes plus 10 ms per env step of the rung.
        ray_address: the Ray cluster when ``executor == "ray"``.
        live: draw the live table (default: when stdout is a terminal).
        end_at_success: end the evaluation at its first success, for a caller that stops on
            success anyway: each training ends at its first evaluation at or above the task's
            threshold, and once one candidate's rung ends there, trainings not yet started are
            skipped (state ``skipped``), running ones end at their next evaluation and keep
            what they learned, and no later rung runs. The ranking puts the candidates that
            reached the threshold first. Only when ranking by the task's fitness (no
            ``rank_fn``).

    Raises:
        KeyboardInterrupt: after Ctrl-C, once running sandboxes are killed and finished work
            is on disk; call again with the same ``out_dir`` to resume.
        RewardsmithError: bad arguments, or the sandbox itself is unusable here.
    """
    t0 = time.perf_counter()
    run = _Run(task, candidates, Path(out_dir), steps, halving or HalvingConfig(), rank_fn, env,
               seed, reeval_seeds, n_eval_episodes, train_kwargs or {}, job_timeout_s, on_event,
               end_at_success)
    owned = not isinstance(executor, Executor)
    ex = make_executor(executor, workers, ray_address)
    show = sys.stdout.isatty() if live is None else live
    table = LiveTable([c.id for c in candidates], len(run.targets),
                      title=f"rewardsmith evaluator: {run.task_id or run.env_id}", show=show)
    run.table = table
    try:
        with table:
            return run.execute(ex, t0)
    except BaseException as e:
        ex.cancel_all()  # never leave sandboxes training for nobody
        if isinstance(e, KeyboardInterrupt):
            run.interrupted()
        raise
    finally:
        if owned:
            ex.close()
        run.log.close()


class _Run:
    """One call of :func:`evaluate_candidates`: its settings, its folders and its events."""

    def __init__(self, task, candidates, out_dir, steps, halving, rank_fn, env, seed,
                 reeval_seeds, n_eval_episodes, train_kwargs, job_timeout_s, on_event,
                 end_at_success=False):
        from rewardsmith.envs.registry import get_task

        self.task = get_task(task) if isinstance(task, str) else task
        self.task_id = self.task.id if self.task is not None else None
        self.env_id = self.task.env_id if self.task is not None else env
        if self.env_id is None:
            raise RewardsmithError("evaluate_candidates needs a task, or env= and rank_fn=")
        if self.task is None and rank_fn is None:
            raise RewardsmithError(f"env {self.env_id!r} has no task fitness to rank by: pass "
                                   f"rank_fn= (preferences, e.g. the synthetic oracle)")
        validate_ids([c.id for c in candidates])
        self.candidates = list(candidates)
        self.out_dir = out_dir
        self.budget = int(steps or (self.task.default_steps if self.task else 200_000))
        self.halving, self.rank_fn = halving, rank_fn
        self.targets = halving.rung_steps(self.budget)
        self.reeval_seeds, self.n_eval_episodes = reeval_seeds, n_eval_episodes
        self.job_timeout_s = job_timeout_s
        # Evaluate at the same steps whatever the rungs: about N_EVALS times over the budget.
        self.base_args = {"seed": seed, "n_eval_episodes": n_eval_episodes,
                          "eval_every": max(self.budget // N_EVALS, 1000), **train_kwargs}
        self.base_args.update(self._task_args())
        self.threshold = self.task.success_threshold if self.task is not None else None
        self.end_at_success = bool(end_at_success and self.threshold is not None
                                   and rank_fn is None)
        if self.end_at_success:
            self.base_args.update(stop_at_fitness=self.threshold, end_file=END_FILE)
        settings = {"task": self.task_id, "env": self.env_id, "budget": self.budget,
                    **self.base_args}
        out_dir.mkdir(parents=True, exist_ok=True)
        self.dirs = {c.id: CandidateDir(out_dir / c.id, c, settings, self.targets)
                     for c in candidates}
        self.on_event = on_event
        self.log = EventLog(out_dir / EVENTS_LOG)
        self.table: LiveTable | None = None
        self.events: queue.Queue = queue.Queue()
        self.queue: JobQueue | None = None  # made by execute, with the executor
        self.success: str | None = None  # the first candidate whose rung reached the threshold

    # events -----------------------------------------------------------------------------
    def post(self, event: dict[str, Any]) -> None:
        """Queue an event from any thread; :meth:`pump` delivers it in the caller's thread."""
        self.events.put({"t": round(time.time(), 3), **event})

    def pump(self) -> None:
        """Deliver queued events: log file, live table, the caller's ``on_event``."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            self.log.write(event)
            if self.table is not None:
                self.table.update(event)
            if self.on_event is not None:
                self.on_event(event)

    # the evaluation -----------------------------------------------------------------------
    def execute(self, ex: Executor, t0: float) -> EvaluationReport:
        self.queue = JobQueue(ex, self.post, self.pump)
        self.post({"event": "evaluation_start", "task": self.task_id, "env": self.env_id,
                   "budget": self.budget, "rungs": self.targets, "workers": ex.workers,
                   "entrants": self.halving.planned_entrants(len(self.candidates)),
                   "candidates": [c.id for c in self.candidates]})
        entrants = [c.id for c in self.candidates]
        decisions = read_record(self.out_dir / HALVING_JSON) or {}
        layers: list[list[str]] = []  # ranking of the candidates that stopped at each rung
        skipped: list[str] = []
        for r, target in enumerate(self.targets):
            done_before = [i for i in entrants if self.dirs[i].rung_record(r) is not None]
            self.success = self._first_success(done_before, r)  # a resumed, ended rung
            todo = [] if self.success else [i for i in entrants if i not in done_before]
            for cid in done_before:
                rec = self.dirs[cid].rung_record(r)
                self.post({"event": "reused", "candidate": cid, "rung": r, "total": target,
                           "steps": rec.get("steps"), "fitness": rec.get("fitness")})
            self._run_jobs([self._train_job(cid, r, target) for cid in todo])
            if self.success:
                skipped = [i for i in entrants if self.dirs[i].rung_record(r) is None]
                for cid in skipped:
                    self.dirs[cid].set_state("skipped")
                    self.post({"event": "skipped", "candidate": cid, "rung": r,
                               "reason": f"{self.success} reached the success threshold"})
                entrants = [i for i in entrants if i not in skipped]
            entries = [self._entry(cid, r) for cid in entrants]
            for e in entries:
                if e.failed and self.dirs[e.id].state != "failed":
                    self.dirs[e.id].set_state("failed")
            last = r == len(self.targets) - 1 or self.success is not None
            key = f"{r}:{target}"
            known = decisions.get(key)
            if known and known.get("entrants") == entrants:
                order = known["order"]
            else:
                order = self._successes_first(
                    rank_entries(entries, self.rank_fn, self.halving.window), r)
                decisions[key] = {"entrants": entrants, "order": order}
                write_json(self.out_dir / HALVING_JSON, decisions)
            if last:
                layers.append([i for i in order if not self.dirs[i].failed])
                for cid in layers[-1]:
                    self.dirs[cid].set_state("done")
                    self.post({"event": "finished", "candidate": cid, "rung": r})
                break
            promoted, stopped = promote(entries, self.halving,
                                        _fixed_order(order) if self.rank_fn else None)
            layers.append(stopped)
            for cid in stopped:
                self.dirs[cid].set_state("stopped")
                self.post({"event": "stopped", "candidate": cid, "rung": r})
            for cid in promoted:
                self.post({"event": "promoted", "candidate": cid, "rung": r})
            entrants = promoted
        self.pump()
        failed = [c.id for c in self.candidates if self.dirs[c.id].failed]
        ranking = [i for layer in reversed(layers) for i in layer] + skipped + failed
        best = layers[-1][0] if layers and layers[-1] else None
        self._analyse(best)
        results = [self.dirs[c.id].finish(self.task, self.env_id, self.targets)
                   for c in self.candidates]
        for res in results:
            if res.signatures:
                self.post({"event": "signatures", "candidate": res.id,
                           "names": [s["name"] for s in res.signatures]})
        best_reeval = self.dirs[best].reeval_summary() if best else None
        if best:
            self.post({"event": "best", "candidate": best, **(best_reeval or {})})
        report = EvaluationReport(
            self.task_id, str(self.out_dir), self.budget, self.targets, results, ranking, best,
            best_reeval, sum(r.steps for r in results), self.queue.jobs_run,
            round(time.perf_counter() - t0, 2))
        write_json(self.out_dir / REPORT_JSON, report.to_dict())
        self.post({"event": "evaluation_done", "best": best, "ranking": ranking,
                   "env_steps": report.env_steps, "jobs_run": report.jobs_run})
        self.pump()
        return report

    def _reached(self, cid: str, r: int) -> bool:
        """Whether ``cid``'s rung ``r`` ended at or above the success threshold."""
        rec = self.dirs[cid].rung_record(r) or {}
        return bool(self.end_at_success and rec.get("ok") and rec.get("fitness") is not None
                    and rec["fitness"] >= self.threshold)

    def _first_success(self, cids: list[str], r: int) -> str | None:
        return next((cid for cid in cids if self._reached(cid, r)), None)

    def _successes_first(self, order: list[str], r: int) -> list[str]:
        """Under ``end_at_success``, the candidates that reached the threshold lead the order
        (a rival stopped by their success never trained as long)."""
        return sorted(order, key=lambda cid: not self._reached(cid, r))

    def _end_iteration(self, winner: str, running: list[str]) -> None:
        """``winner`` reached the threshold: queued trainings are dropped (the queue asks
        ``self.success``), running ones asked to end at their next evaluation."""
        self.success = winner
        self.post({"event": "succeeded", "candidate": winner})
        for cid in running:
            self.dirs[cid].sandbox.mkdir(parents=True, exist_ok=True)
            (self.dirs[cid].sandbox / END_FILE).touch()

    def _entry(self, cid: str, r: int) -> RungEntry:
        rec = self.dirs[cid].rung_record(r) or {"ok": False}
        return RungEntry(cid, [c.id for c in self.candidates].index(cid), rec.get("fitness"),
                         self.dirs[cid].fitness_curve(r), failed=not rec.get("ok"),
                         info={"dir": str(self.dirs[cid].path),
                               "video": str(self.dirs[cid].path / VIDEO_MP4)})

    @property
    def fitness_source(self) -> str | None:
        """The written ``fitness.py`` every job loads, when the task's measure was written."""
        return getattr(self.task, "fitness_source", None)

    def _task_args(self) -> dict[str, Any]:
        """How a job learns what scores it: a task id, a written task's spec, or just the env.

        A written task's spec (threshold and fitness text included, through its hash) is part of
        the settings a resumed candidate must match, so a run never mixes two measures.
        """
        if self.task is None:
            return {"env": self.env_id}
        if self.fitness_source is not None:
            return {"written_task": {**self.task.job_spec(), "fitness_sha256": hashlib.sha256(
                self.fitness_source.encode()).hexdigest()}}
        return {"task": self.task_id}

    def _limits(self, n_steps: float) -> IsolationLimits:
        wall = self.job_timeout_s or 120 + 0.01 * n_steps
        base = IsolationLimits.from_policy("train")
        return base.replace(wall_s=float(wall), cpu_s=int(max(base.cpu_s, 2 * wall)))

    def _train_job(self, cid: str, r: int, target: int) -> QueuedJob:
        args = {**self.base_args, "steps": target, "out": rung_dir(r)}
        if r > 0:
            args["init_from"] = rung_dir(r - 1)
        done = self.targets[r - 1] if r > 0 else 0
        d = self.dirs[cid]
        return QueuedJob(cid, r, Job(f"{cid}/{rung_dir(r)}", "train", d.candidate.source, args,
                                     d.sandbox, self._limits(target - done),
                                     self.fitness_source))

    def _run_jobs(self, jobs: list[QueuedJob]) -> None:
        """Run jobs on the queue; record each result as it comes (a rung, or an analysis)."""
        assert self.queue is not None
        self.queue.run(jobs, on_start=self._starting, on_result=self._finished,
                       start_trainings=lambda: self.success is None)

    def _starting(self, item: QueuedJob) -> None:
        if item.job.kind == "train":
            d = self.dirs[item.candidate]
            (d.sandbox / END_FILE).unlink(missing_ok=True)  # an earlier end
            d.set_state("running")

    def _finished(self, item: QueuedJob, result: SandboxResult,
                  in_flight: list[QueuedJob]) -> None:
        cid, r, job = item.candidate, item.rung, item.job
        if job.kind != "train":
            self._record_analysis(cid, job, result)
            return
        self._record_rung(cid, r, job, result)
        if self.success is None and self._reached(cid, r):
            self._end_iteration(cid, [i.candidate for i in in_flight])

    def _record_rung(self, cid: str, r: int, job: Job, result: SandboxResult) -> None:
        d = self.dirs[cid]
        try:
            rec = d.record_rung(r, job.args["steps"], result)
        except Exception as e:  # noqa: BLE001  (a job's output never stops the run)
            logger.exception("could not record rung %d of %s", r, cid)
            rec = d.record_failure(r, job.args["steps"], _unusable(job, e), "output")
        if rec["ok"]:
            self.post({"event": "rung_done", "candidate": cid, "rung": r, "steps": rec["steps"],
                       "fitness": rec["fitness"], "wall_s": rec["wall_s"]})
        else:
            self.dirs[cid].set_state("failed")
            self.post({"event": "failed", "candidate": cid, "rung": r,
                       "error_kind": rec["error_kind"], "error": rec["error"]})

    def _record_analysis(self, cid: str, job: Job, result: SandboxResult) -> None:
        d = self.dirs[cid]
        try:
            d.record_analysis(job.args, result)
        except Exception as e:  # noqa: BLE001  (a failed re-evaluation never fails the run)
            logger.exception("could not record the re-evaluation of %s", cid)
            d.record_analysis(job.args, SandboxResult(False, job.kind, None, _unusable(job, e),
                                                      "output", result.wall_s))
        summary = d.reeval_summary() or {}
        self.post({"event": "reevaluated", "candidate": cid, **summary})

    def _analyse(self, best: str | None) -> None:
        """Re-evaluate every trained candidate (one seed; the best over ``reeval_seeds``)."""
        jobs = []
        for c in self.candidates:
            d = self.dirs[c.id]
            rung = d.last_rung()
            if d.failed or rung is None:
                continue
            n = self.reeval_seeds if c.id == best else 1
            args = {"policy": rung_dir(rung), "seeds": [FIRST_REEVAL_SEED + i for i in range(n)],
                    "n_episodes": self.n_eval_episodes,
                    "algo": self.base_args.get("algo", "ppo"), **self._task_args()}
            if d.analysis_matches(args):
                continue
            limits = self._limits(n * self.n_eval_episodes * 1000)
            jobs.append(QueuedJob(c.id, rung, Job(f"{c.id}/reevaluate", "reevaluate", c.source,
                                                  args, d.sandbox, limits, self.fitness_source)))
        self._run_jobs(jobs)

    def interrupted(self) -> None:
        """After Ctrl-C: mark what was running, say how to resume."""
        for cid in sorted(self.queue.running if self.queue else ()):
            self.dirs[cid].set_state("interrupted")
            self.post({"event": "interrupted", "candidate": cid})
        self.post({"event": "evaluation_interrupted", "out_dir": str(self.out_dir),
                   "resume": "call evaluate_candidates again with the same out_dir"})
        self.log_pump_quietly()

    def log_pump_quietly(self) -> None:
        """Flush events to the log and table only (the caller's callback may be what raised)."""
        self.on_event = None
        self.pump()


def _unusable(job: Job, error: Exception) -> str:
    """The failure message of a job whose output the parent could not use."""
    return (f"rewardsmith could not use the output of the {job.kind} job "
            f"({type(error).__name__}: {str(error)[:300]}); it is recorded as a failure")


def _fixed_order(order: list[str]) -> RankFn:
    """A ranking function that replays a recorded order (resume keeps earlier decisions)."""
    return lambda entries: [i for i in order if i in {e.id for e in entries}]
