"""The README's built-in task table, rendered from benchmarks/results/reference_runs.json.

The table is generated, never typed, so its numbers are the measured ones:

    python benchmarks/table_reference_runs.py > /tmp/tasks.md   # paste into README.md

Every built-in task gets a row; one not measured yet says so. ``bench_reference_runs.py`` prints
the same rows as a terminal table when it finishes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rewardsmith.results.reference_runs import (
    OK,
    UNREADABLE,
    ReferenceRun,
    ReferenceRuns,
    load_reference_runs,
)

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "reference_runs.json"
COLUMNS = ["task", "budget (steps)", "success threshold", "reference fitness (per seed)",
           "successes", "first success at (steps)", "wall time (per seed)", "steps/s"]
NOT_MEASURED = "not measured yet"


def builtin_tasks() -> list:
    """The tasks that ship with a reference reward, cheapest budget first."""
    from rewardsmith.envs.registry import all_tasks

    return sorted((t for t in all_tasks() if t.reference_reward_path.is_file()),
                  key=lambda t: (t.default_steps, t.id))


def duration(seconds: float | None) -> str:
    """Seconds as a reader wants them: ``41 s``, ``12 min``, ``1.3 h``."""
    if seconds is None:
        return "?"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _fitness(run: ReferenceRun) -> str:
    text = f"{run.final_fitness:.2f}"
    if run.returned_steps is not None:
        last = "?" if run.last_fitness is None else f"{run.last_fitness:.2f}"
        text += f" (best at {_steps(run.returned_steps)}; last {last})"
    if run.capped:
        text += (f" (stopped at {run.steps:,} steps, not the default budget)" if run.steps
                 is not None else " (stopped early, not the default budget)")
    return text


def _steps(value: int | None) -> str:
    if value is None:
        return "never"
    return f"{value / 1000:g}k" if value % 1000 == 0 else f"{value:,}"


def task_rows(results: ReferenceRuns, tasks: list) -> list[list[str]]:
    """One row per task in :data:`COLUMNS` order; successes count against today's threshold."""
    rows = []
    for task in tasks:
        runs = results.runs.get(task.id, []) if results.status == OK else []
        head = [task.id, f"{task.default_steps:,}", f"{task.success_threshold:g}"]
        if not runs:
            rows.append(head + [NOT_MEASURED] + ["–"] * (len(COLUMNS) - 4))
            continue
        hits = sum(run.final_fitness >= task.success_threshold for run in runs)
        rates = [run.steps_per_s for run in runs if run.steps_per_s is not None]
        rows.append(head + [
            ", ".join(_fitness(run) for run in runs),
            f"{hits}/{len(runs)}",
            ", ".join(_steps(run.first_success_steps) for run in runs),
            ", ".join(duration(run.wall_s) for run in runs),
            f"{sum(rates) / len(rates):,.0f}" if rates else "?",
        ])
    return rows


def markdown(results: ReferenceRuns, tasks: list) -> str:
    """The table as GitHub markdown, with a line saying where and when it was measured."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in task_rows(results, tasks)]
    runs = [run for task_runs in results.runs.values() for run in task_runs]
    commits = sorted({run.commit for run in runs if run.commit})
    dates = sorted(run.date[:10] for run in runs if run.date)
    where = []
    if dates:
        where.append(f"measured {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0]
                                               else ""))
    if commits:
        where.append("at commit " + ", ".join(commits))
    lines += ["", "Seeds in order; fitness is the returned policy's mean episode fitness (4 "
              "episodes): the last evaluation's, or where it says \"best at\", the policy of "
              "the best evaluation, re-evaluated on 4 new episodes (and the last evaluation's "
              "fitness beside it); wall time includes the evaluations"
              + (" (" + "; ".join(where) + ")" if where else "") + "."]
    if results.status == UNREADABLE:
        lines.append(f"\nWarning: {results.path} {results.problem}: no run is shown.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_FILE,
                        help="the JSON bench_reference_runs.py writes")
    args = parser.parse_args()
    print(markdown(load_reference_runs(args.results), builtin_tasks()))


if __name__ == "__main__":
    main()
