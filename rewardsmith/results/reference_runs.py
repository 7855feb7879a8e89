"""The measured reference runs of the built-in tasks, read for ``rewardsmith envs``.

Why: a task's budget and success threshold mean something only next to what its reference
reward reached at that budget. ``benchmarks/bench_reference_runs.py`` measures that and appends
one entry per (task, seed) to ``benchmarks/results/reference_runs.json``; this module reads the
file so users see the numbers, without shipping benchmark results as code. The file is found in
a source checkout (the repository root above the package, as :mod:`rewardsmith.resources`
finds ``envs/``), or wherever ``REWARDSMITH_REFERENCE_RUNS`` points; a wheel has no
``benchmarks/`` folder, so there the numbers are "not measured here".

The file is user-editable data, so it is read defensively: one bad file becomes a status
(``unreadable``), never an exception; an entry whose fields are not what the benchmark writes is
skipped; only finite numbers count as numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile
from rewardsmith.plain_text import finite_number, plain_text
from rewardsmith.safe_files import read_json

ENV_VAR = "REWARDSMITH_REFERENCE_RUNS"
RELATIVE_PATH = Path("benchmarks") / "results" / "reference_runs.json"
_REPO_ROOT = Path(__file__).resolve().parents[2]

OK, MISSING, NOT_HERE, UNREADABLE = "ok", "missing", "not here", "unreadable"
_STATUS_CELLS = {MISSING: "not measured yet", NOT_HERE: "not measured here",
                 UNREADABLE: "unreadable results file"}


@dataclass(frozen=True)
class ReferenceRun:
    """One training of a task's reference reward, as the benchmark recorded it.

    Attributes:
        task: task id.
        seed: training seed.
        final_fitness: the returned policy's mean episode fitness: the last evaluation's, or
            (``returned_steps`` set) the best evaluation's policy on new episodes.
        budget: the step budget asked for (the task's default budget at the time).
        steps: env steps actually trained (fewer than ``budget`` when the run was capped).
        best_fitness: the best evaluation's mean fitness.
        first_success_steps: the first evaluation's step count whose fitness reached the
            threshold of the time, or None.
        wall_s: wall-clock seconds of the whole training.
        steps_per_s: training throughput.
        capped: stopped by ``--max-wall-s`` before the budget.
        returned_steps: where the training returned an earlier, better-evaluated policy than
            its last (:mod:`rewardsmith.rl.best_policy`), the step count it was taken at.
        last_fitness: the last evaluation's mean fitness, when ``returned_steps`` is set.
        commit: the git commit it ran at, when known.
        date: when it finished.
    """

    task: str
    seed: int
    final_fitness: float
    budget: int | None = None
    steps: int | None = None
    best_fitness: float | None = None
    first_success_steps: int | None = None
    wall_s: float | None = None
    steps_per_s: float | None = None
    capped: bool = False
    returned_steps: int | None = None
    last_fitness: float | None = None
    commit: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class ReferenceRuns:
    """What the results file said: a status, and the runs by task (sorted by seed).

    Attributes:
        status: ``"ok"``, ``"missing"`` (no file yet), ``"not here"`` (no source checkout) or
            ``"unreadable"``.
        path: the file looked at (None when there is no place to look).
        runs: task id -> its runs, one per seed.
        skipped: entries left out because a field was not what the benchmark writes.
        problem: for ``"unreadable"``, what is wrong with the file (plain text).
    """

    status: str
    path: Path | None = None
    runs: dict[str, list[ReferenceRun]] = field(default_factory=dict)
    skipped: int = 0
    problem: str | None = None


def results_path() -> Path | None:
    """The results file to read: ``$REWARDSMITH_REFERENCE_RUNS``, else the checkout's, else None."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    if (_REPO_ROOT / "pyproject.toml").is_file() and (_REPO_ROOT / "benchmarks").is_dir():
        return _REPO_ROOT / RELATIVE_PATH
    return None


def load_reference_runs(path: Path | None = None) -> ReferenceRuns:
    """Read the reference runs from ``path`` (default :func:`results_path`); never raises."""
    path = results_path() if path is None else Path(path)
    if path is None:
        return ReferenceRuns(NOT_HERE)
    try:
        data = read_json(path)
    except CorruptRunFile as exc:
        return ReferenceRuns(UNREADABLE, path, problem=plain_text(exc.problem, 200))
    except OSError as exc:
        return ReferenceRuns(UNREADABLE, path,
                             problem=plain_text(f"cannot be read ({exc.strerror or exc})", 200))
    if data is None:
        if os.path.lexists(path):  # a file holding JSON null: never written by the benchmark
            return ReferenceRuns(UNREADABLE, path, problem="holds null, not the runs")
        return ReferenceRuns(MISSING, path)
    try:
        runs, skipped = parse_runs(data)
    except ValueError as exc:
        return ReferenceRuns(UNREADABLE, path, problem=str(exc))
    by_task: dict[str, dict[int, ReferenceRun]] = {}
    for run in runs:
        by_task.setdefault(run.task, {})[run.seed] = run  # a repeated (task, seed): last wins
    return ReferenceRuns(OK, path, {task: [seeds[s] for s in sorted(seeds)]
                                    for task, seeds in by_task.items()}, skipped)


def parse_runs(data: Any) -> tuple[list[ReferenceRun], int]:
    """The valid entries of the file's ``runs`` list, and how many were skipped.

    Raises:
        ValueError: the file is not an object with a ``runs`` list.
    """
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise ValueError('expected an object with a "runs" list')
    runs, skipped = [], 0
    for entry in data["runs"]:
        run = _parse_run(entry)
        if run is None:
            skipped += 1
        else:
            runs.append(run)
    return runs, skipped


def _parse_run(entry: Any) -> ReferenceRun | None:
    if not isinstance(entry, dict):
        return None
    task, seed = entry.get("task"), _count(entry.get("seed"))
    fitness = finite_number(entry.get("final_fitness"))
    if not isinstance(task, str) or not task or seed is None or fitness is None:
        return None
    best = entry.get("returned_from") == "best"
    return ReferenceRun(
        task=task, seed=seed, final_fitness=fitness, budget=_count(entry.get("budget")),
        steps=_count(entry.get("steps")), best_fitness=finite_number(entry.get("best_fitness")),
        first_success_steps=_count(entry.get("first_success_steps")),
        wall_s=_non_negative(entry.get("wall_s")),
        steps_per_s=_non_negative(entry.get("steps_per_s")),
        capped=entry.get("capped") is True,
        returned_steps=_count(entry.get("returned_steps")) if best else None,
        last_fitness=finite_number(entry.get("last_fitness")) if best else None,
        commit=_short_text(entry.get("commit")),
        date=_short_text(entry.get("date")))


def _count(value: Any) -> int | None:
    """A non-negative integer (JSON ``3`` or ``3.0``), else None."""
    number = finite_number(value)
    if number is None or number < 0 or number != int(number) or number > 1e15:
        return None
    return int(number)


def _non_negative(value: Any) -> float | None:
    number = finite_number(value)
    return number if number is not None and number >= 0 else None


def _short_text(value: Any) -> str | None:
    return plain_text(value, 40) if isinstance(value, str) else None


def fitness_summary(results: ReferenceRuns, task_id: str, threshold: float,
                    default_steps: int | None = None) -> str:
    """The "reference fitness (seeds)" cell: e.g. ``"4.41, 4.52 (2/2 ≥ 3)"``.

    Successes count against the task's current ``threshold``. A run stopped before its budget,
    or measured at another budget than ``default_steps``, is said so: its number is not the
    default budget's.
    """
    if results.status != OK:
        return _STATUS_CELLS[results.status]
    runs = results.runs.get(task_id)
    if not runs:
        return _STATUS_CELLS[MISSING]
    hits = sum(run.final_fitness >= threshold for run in runs)
    text = (", ".join(f"{run.final_fitness:.2f}" for run in runs)
            + f" ({hits}/{len(runs)} ≥ {threshold:g})")
    notes = []
    capped = [run for run in runs if run.capped]
    if capped:
        notes.append(f"{len(capped)} stopped early")
    budgets = {run.budget for run in runs if run.budget is not None}
    if default_steps is not None and budgets - {default_steps}:
        notes.append("at " + ", ".join(f"{b:,}" for b in sorted(budgets)) + " steps")
    return text + "".join(f"; {note}" for note in notes)
