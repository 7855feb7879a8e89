"""One candidate's folder on disk: its resume record, rung metrics, analysis and final result.

The evaluator (:mod:`rewardsmith.evaluator.evaluator`) decides what runs; this module remembers
what ran, so a resumed evaluation reuses every rung whose fingerprint (source and settings)
still matches.

Every file here is written by the parent. What comes from the candidate's job folder
(``sandbox/``) arrives checked: the metrics in the job's result (checked by ``run_sandboxed``)
and the policy files and video, copied by :func:`rewardsmith.sandbox.outputs.copy_outputs`
(regular files only, never through a symlink, size-capped). The policy's pickles are never
copied: they stay in ``sandbox/rung_<r>/``, where only sandboxed jobs load them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.evaluator.signatures import detect_signatures
from rewardsmith.run_dir import (
    ANALYSIS_JSON,
    METRICS_JSON,
    REWARD_PY,
    SANDBOX_DIR,
    STATUS_JSON,
    rung_dir,
    rung_json,
)
from rewardsmith.safe_files import read_json, write_json, write_text
from rewardsmith.sandbox.outputs import RUNG_OUTPUTS, copy_outputs
from rewardsmith.sandbox.runner import SandboxResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """A reward program to score: an id (a folder name) and its source text."""

    id: str
    source: str


@dataclass
class CandidateResult:
    """How one candidate ended up (also in its ``metrics.json``)."""

    id: str
    state: str
    rung: int
    steps: int
    fitness: float | None
    error: str | None = None
    error_kind: str | None = None
    signatures: list[dict[str, str]] = field(default_factory=list)
    dir: str = ""


class CandidateDir:
    """One candidate's folder: its resume record, its rung metrics, its analysis.

    Args:
        path: ``<out_dir>/<id>``.
        candidate: the candidate.
        settings: everything that changes a training besides the rung target; with the
            source, the fingerprint that decides whether recorded rungs can be reused.
        targets: the rungs' step targets.
    """

    def __init__(self, path: Path, candidate: Candidate, settings: dict[str, Any],
                 targets: list[int]):
        self.path, self.candidate, self.targets = path, candidate, targets
        self.sandbox = path / SANDBOX_DIR
        text = candidate.source + json.dumps(settings, sort_keys=True, default=str)
        self.fingerprint = hashlib.sha256(text.encode()).hexdigest()
        path.mkdir(parents=True, exist_ok=True)
        status = read_record(path / STATUS_JSON) or {}
        if status.get("fingerprint") != self.fingerprint:
            status = {"id": candidate.id, "fingerprint": self.fingerprint, "rungs": {}}
        self.status = status
        self.state = status.get("state", "queued")
        self._metrics: dict[int, dict[str, Any]] = {}
        write_text(path / REWARD_PY, candidate.source)

    def rung_record(self, r: int) -> dict[str, Any] | None:
        """The recorded result of rung ``r``, if it (and every rung before it) is still valid."""
        rungs = self.status["rungs"]
        for i in range(r + 1):
            rec = rungs.get(str(i))
            if rec is None or rec.get("target") != self.targets[i] or (i < r and not rec["ok"]):
                return None
        return rungs[str(r)]

    @property
    def failed(self) -> bool:
        """A recorded rung failed."""
        return any(not rec["ok"] for rec in self.status["rungs"].values())

    def last_rung(self) -> int | None:
        """The last rung trained successfully (None: none)."""
        ok = [int(r) for r, rec in self.status["rungs"].items() if rec["ok"]]
        return max(ok) if ok else None

    def set_state(self, state: str) -> None:
        """Record the candidate's state (queued, running, stopped, done, failed, interrupted)."""
        self.state = self.status["state"] = state
        self._save()

    def record_rung(self, r: int, target: int, result: SandboxResult) -> dict[str, Any]:
        """Keep a finished rung: its metrics (a trusted copy), artifacts and resume record.

        A rung whose policy files or video are refused (a symlink, a FIFO, a folder, too
        large) fails like any other failure: recorded, so a resume does not run it again. A
        missing one is only left out (and an earlier rung's copy of it removed).
        """
        metrics = (result.result or {}).get("metrics") if result.ok else None
        rec: dict[str, Any] = {"target": target, "ok": False, "wall_s": round(result.wall_s, 2)}
        copied = None
        if isinstance(metrics, dict) and isinstance(metrics.get("final"), dict):
            copied = copy_outputs(self.sandbox / rung_dir(r), self.path, RUNG_OUTPUTS,
                                  root=self.sandbox)
        if copied is not None and copied.ok:
            for name in copied.missing:  # never leave an earlier rung's file beside these
                (self.path / Path(name).name).unlink(missing_ok=True)
            evals = [e for e in metrics.get("evals", []) if isinstance(e, dict)]
            metrics["evals"] = [{**e, "rung": r} for e in evals]
            write_json(self.path / rung_json(r), metrics)
            self._metrics[r] = metrics
            steps = metrics.get("steps")
            rec.update(ok=True, steps=steps if isinstance(steps, int) else target,
                       fitness=_finite(metrics["final"].get("fitness_mean")))
        elif copied is not None:
            rec.update(error=f"the train job's files were refused: {copied.problem}; "
                             f"compute_reward must only return values, never write into the "
                             f"job's files", error_kind="output", log_tail=result.log_tail[-2000:])
        else:
            rec.update(error=result.error or "the train job returned no metrics",
                       error_kind=result.error_kind or "job", log_tail=result.log_tail[-2000:])
        self._save_rung(r, rec)
        return rec

    def record_failure(self, r: int, target: int, error: str, error_kind: str) -> dict[str, Any]:
        """Keep a rung that failed in the parent (its output could not be used) as a result."""
        rec = {"target": target, "ok": False, "wall_s": 0.0, "error": error,
               "error_kind": error_kind}
        self._save_rung(r, rec)
        return rec

    def _save_rung(self, r: int, rec: dict[str, Any]) -> None:
        rungs = self.status["rungs"]
        for stale in [k for k in rungs if int(k) > r]:
            del rungs[stale]
        rungs[str(r)] = rec
        self._save()

    def rung_metrics(self, r: int) -> dict[str, Any]:
        """The metrics ``train`` wrote at rung ``r`` (empty when the rung failed)."""
        if r not in self._metrics:
            self._metrics[r] = read_record(self.path / rung_json(r)) or {}
        return self._metrics[r]

    def evals(self, up_to: int | None = None) -> list[dict[str, Any]]:
        """Every evaluation record of the successful rungs, in training order."""
        last = self.last_rung() if up_to is None else up_to
        if last is None:
            return []
        return [e for r in range(last + 1) if (self.rung_record(r) or {}).get("ok")
                for e in self.rung_metrics(r).get("evals", [])]

    def fitness_curve(self, r: int) -> list[float]:
        """Fitness of every evaluation up to rung ``r`` (halving's tie-break)."""
        return [f for e in self.evals(r) if (f := _finite(e.get("fitness_mean"))) is not None]

    def analysis_matches(self, args: dict[str, Any]) -> bool:
        """Whether ``analysis.json`` already holds this re-evaluation."""
        done = read_record(self.path / ANALYSIS_JSON) or {}
        return done.get("fingerprint") == self.fingerprint and done.get("args") == args \
            and done.get("ok") is True

    def record_analysis(self, args: dict[str, Any], result: SandboxResult) -> None:
        """Keep a re-evaluation (or its failure, which does not fail the candidate)."""
        write_json(self.path / ANALYSIS_JSON, {
            "fingerprint": self.fingerprint, "args": args, "ok": result.ok,
            "error": result.error, "error_kind": result.error_kind, "result": result.result})

    def reeval_summary(self) -> dict[str, Any] | None:
        """Mean ± standard error of the re-evaluation over its seeds."""
        done = read_record(self.path / ANALYSIS_JSON) or {}
        res = done.get("result") if done.get("ok") else None
        if not isinstance(res, dict):
            return None
        return {"fitness_mean": _finite(res.get("fitness_mean")),
                "fitness_sem": _finite(res.get("fitness_sem")),
                "success_rate": _finite(res.get("success_rate")),
                "n_seeds": len(res.get("seeds", [])), "seeds": res.get("seeds", [])}

    def finish(self, task: Any, env_id: str, targets: list[int]) -> CandidateResult:
        """Write ``metrics.json`` (with the analyzer's inputs) and return the result."""
        last = self.last_rung()
        evals = self.evals()
        failed = next((rec for rec in self.status["rungs"].values() if not rec["ok"]), {})
        threshold = task.success_threshold if task is not None else None
        signatures = [s.to_dict() for s in detect_signatures(evals, _horizon(env_id), threshold)]
        final = self.rung_metrics(last) if last is not None else {}
        rec = self.status["rungs"][str(last)] if last is not None else {}
        analysis = read_record(self.path / ANALYSIS_JSON) or {}
        per_seed = ((analysis.get("result") or {}).get("per_seed") or [{}]) \
            if analysis.get("ok") else [{}]
        result = CandidateResult(
            self.candidate.id, self.state, -1 if last is None else last,
            int(rec.get("steps") or 0), rec.get("fitness"), failed.get("error"),
            failed.get("error_kind"), signatures, str(self.path))
        write_json(self.path / METRICS_JSON, {
            **asdict(result), "task": task.id if task is not None else None, "env": env_id,
            "rung_steps": targets, "success_threshold": threshold,
            "success": final.get("success"), "best_fitness": _best(evals),
            "fitness_curve": _downsample([[e.get("steps"), e.get("fitness_mean")]
                                          for e in evals]),
            "component_stats": _component_stats(evals), "final": final.get("final"),
            "reeval": self.reeval_summary(), "episodes": per_seed[0].get("episodes", []),
            "ended_by": per_seed[0].get("ended_by"), "rungs": self.status["rungs"],
            "evals": evals})
        return result

    def _save(self) -> None:
        self.status["updated"] = round(time.time(), 3)
        write_json(self.path / STATUS_JSON, self.status)


def _component_stats(evals: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per component over training: min / mean / max of the per-step value and a ~10-point
    curve of its mean, as Eureka's reflection reports it."""
    series: dict[str, list[dict[str, float]]] = {}
    for e in evals:
        for name, stats in (e.get("training_components") or {}).items():
            if isinstance(stats, dict):
                series.setdefault(name, []).append(stats)
    out = {}
    for name, points in series.items():
        means = [p["mean"] for p in points if _finite(p.get("mean")) is not None]
        out[name] = {
            "min": min((p["min"] for p in points if _finite(p.get("min")) is not None),
                       default=None),
            "mean": sum(means) / len(means) if means else None,
            "max": max((p["max"] for p in points if _finite(p.get("max")) is not None),
                       default=None),
            "curve": _downsample(means)}
    return out


def _downsample(values: list[Any], n: int = 10) -> list[Any]:
    if len(values) <= n:
        return list(values)
    return [values[round(i * (len(values) - 1) / (n - 1))] for i in range(n)]


def _best(evals: list[dict[str, Any]]) -> float | None:
    values = [f for e in evals if (f := _finite(e.get("fitness_mean"))) is not None]
    return max(values, default=None)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _horizon(env_id: str) -> int | None:
    import gymnasium as gym

    try:
        return gym.spec(env_id).max_episode_steps
    except gym.error.Error:
        return None


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def validate_ids(ids: list[str]) -> None:
    """Candidate ids become folder names: unique, short, no path separators."""
    bad = [i for i in ids if not isinstance(i, str) or not _ID.fullmatch(i)]
    if bad:
        raise RewardsmithError(f"candidate ids must be folder names (letters, digits, '_', '.',"
                               f" '-'; starting with a letter or digit): got {bad}")
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RewardsmithError(f"candidate ids must be unique; repeated: {dupes}")
    if not ids:
        raise RewardsmithError("no candidates to evaluate")


def read_record(path: Path) -> Any:
    """A resume record of the evaluator (``status.json``, ``rung_<r>.json``, ``analysis.json``,
    ``halving.json``), or None when it is missing *or corrupt*.

    Unlike :func:`rewardsmith.safe_files.read_json`, which stops on a corrupt file, a bad record
    here only means "not done": each one caches work the evaluator can redo (the rungs train
    again, the analysis reruns, halving decides again), so redoing it beats stopping the run and
    asking the user to delete the file. The skipped file is named in a warning.
    """
    try:
        return read_json(path)
    except CorruptRunFile as exc:
        logger.warning("ignoring %s, which %s: the evaluator redoes what it recorded",
                       exc.path, exc.problem)
        return None
