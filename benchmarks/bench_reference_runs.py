"""Reference runs: every built-in task's reference reward at its default budget, several seeds.

Each task's budget and success threshold are claims ("the reference reward reaches 3.0 in 300k
steps"); these runs back them. For each (task, seed) it trains the task's reference reward with
the package's default settings (PPO, the env's tuned hyperparameters and n_envs, video off),
``--workers`` trainings side by side, and appends the result to
``benchmarks/results/reference_runs.json`` the moment it finishes: the humanoid tasks take most
of an hour each, so the run is resumable. A rerun skips the pairs already recorded (``--redo``
runs them again and replaces them). ``rewardsmith envs`` and the README's task table
(``table_reference_runs.py``) read the file.

    python benchmarks/bench_reference_runs.py                       # all 12 tasks, seeds 0 1
    python benchmarks/bench_reference_runs.py --tasks pendulum-balance --seeds 0 1
    python benchmarks/bench_reference_runs.py --tasks humanoid-stand --max-wall-s 1800

Where a reference fails its threshold, fix the reference reward or the training settings, never
the threshold to fit.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import git_state, machine, report  # noqa: E402 (after the path set-up)
from table_reference_runs import COLUMNS, RESULTS_FILE, builtin_tasks, task_rows  # noqa: E402

from rewardsmith.errors import CorruptRunFile  # noqa: E402
from rewardsmith.results.reference_runs import load_reference_runs, parse_runs  # noqa: E402
from rewardsmith.safe_files import read_json, write_json  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ABOUT = ("The reference reward of each built-in task trained at its default budget with the "
         "package's default settings, one entry per (task, seed); written by "
         "benchmarks/bench_reference_runs.py, read by `rewardsmith envs` and "
         "benchmarks/table_reference_runs.py.")


def pairs_left(recorded: Iterable[tuple[str, int]], tasks: list[str], seeds: list[int],
               redo: bool = False) -> list[tuple[str, int]]:
    """The (task, seed) pairs still to run, tasks in the given order, seeds within each task."""
    done = set() if redo else set(recorded)
    return [(task, seed) for task in tasks for seed in seeds if (task, seed) not in done]


def recorded_pairs(path: Path) -> set[tuple[str, int]]:
    """The (task, seed) pairs ``path`` holds a valid entry for (none when it is missing)."""
    return {(run.task, run.seed) for run in parse_runs(_read_results(path))[0]}


def _read_results(path: Path) -> dict[str, Any]:
    """The results file's content, an empty one when missing; a broken file stops the bench:
    it holds hours of runs, so it is never overwritten."""
    try:
        data = read_json(path)
    except CorruptRunFile as exc:
        raise SystemExit(f"error: {path} {exc.problem}; it holds earlier runs, so this bench will "
                         f"not overwrite it: fix it, or move it away to start afresh") from None
    if data is None:
        return {"benchmark": "reference_runs", "about": ABOUT, "runs": []}
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise SystemExit(f'error: {path} is not an object with a "runs" list; fix it, or move '
                         f"it away to start afresh")
    return data


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``, so two benches never lose each other's entries."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def record_run(path: Path, record: dict[str, Any]) -> None:
    """Add ``record`` to ``path``, replacing an entry of the same (task, seed); keep the rest."""
    with _locked(path.parent):
        data = _read_results(path)
        key = (record["task"], record["seed"])
        runs = [r for r in data["runs"]
                if not (isinstance(r, dict) and (r.get("task"), r.get("seed")) == key)]
        runs.append(record)
        runs.sort(key=_entry_order)
        write_json(path, {**data, "about": ABOUT, "runs": runs})


def _entry_order(entry: Any) -> tuple[str, int]:
    """By task, then seed; entries a hand edit broke sort first (they are kept, not judged)."""
    if not isinstance(entry, dict):
        return ("", -1)
    seed = entry.get("seed")
    return (str(entry.get("task")), seed if isinstance(seed, int) else -1)


def json_safe(value: Any) -> Any:
    """Hyperparameters as JSON: classes (``nn.ReLU``) by name, containers recursively."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, type):
        return value.__name__
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def run_one(task_id: str, seed: int, out_root: str, max_wall_s: float | None,
            workers: int) -> dict[str, Any]:
    """Train ``task_id``'s reference reward once (in a worker process); the entry to record."""
    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.hyperparams import NORMALIZE, hyperparams
    from rewardsmith.rl.training import train

    task = get_task(task_id)
    tag = f"[{task_id} seed {seed}]"
    t0 = time.perf_counter()

    def progress(event: dict) -> None:
        if event.get("event") == "eval":
            fitness = event.get("fitness")
            print(f"{tag} {event['steps']:,}/{event['total']:,} steps, fitness "
                  f"{'?' if fitness is None else f'{fitness:.3f}'}, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)

    def past_cap(_record: dict) -> bool:
        return max_wall_s is not None and time.perf_counter() - t0 > max_wall_s

    result = train(task=task_id, seed=seed, out=Path(out_root) / task_id / f"seed{seed}",
                   video=False, progress=progress, should_stop=past_cap)
    m = result.metrics
    capped = m["steps"] < m["budget"]
    return {
        "task": task_id, "env": m["env"], "seed": seed, "algo": m["algo"],
        "budget": m["budget"], "threshold": task.success_threshold, "steps": m["steps"],
        "capped": capped,
        "note": (f"stopped at {m['steps']:,} steps, not the default budget (--max-wall-s "
                 f"{max_wall_s:g})") if capped else None,
        "final_fitness": m["final"]["fitness_mean"],
        "final_success_rate": m["final"]["success_rate"],
        "final_episode_fitness": m["final"]["episode_fitness"],
        "eval_episodes": len(m["final"]["episode_fitness"]),
        "best_fitness": m["best_fitness"], "first_success_steps": m["first_success_steps"],
        # which policy the training returned (its best evaluation's, re-evaluated on new
        # episodes, or the last) and what the last one scored
        "returned_from": m["returned"]["from"], "returned_steps": m["returned"]["steps"],
        "last_fitness": m["last"]["fitness_mean"],
        "success": m["success"], "wall_s": m["wall_s"], "train_wall_s": m["train_wall_s"],
        "steps_per_s": m["steps_per_s"],
        "curve": [[r["steps"], r["fitness_mean"]] for r in m["evals"]],
        "env_kwargs": json_safe(task.env_kwargs),
        "n_envs": m["n_envs"], "ppo": json_safe(hyperparams(m["algo"], m["env"],
                                                       m.get("algo_kwargs"))),
        "normalize": NORMALIZE, "workers_side_by_side": workers, "max_wall_s": max_wall_s,
        **git_state(), "date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
        "out": str(result.out),
    }


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=None,
                        help="task ids (default: every built-in task, cheapest budget first)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--workers", type=int, default=2, help="trainings side by side")
    parser.add_argument("--redo", action="store_true",
                        help="run pairs already recorded again (their entries are replaced)")
    parser.add_argument("--max-wall-s", type=float, default=None,
                        help="stop a training at its first evaluation past this many seconds "
                             "(recorded as capped: not the default budget)")
    parser.add_argument("--results", type=Path, default=RESULTS_FILE)
    parser.add_argument("--out", type=Path, default=Path("runs/reference-runs"),
                        help="where the trainings write their policies and metrics")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    if args.max_wall_s is not None and args.max_wall_s <= 0:
        parser.error(f"--max-wall-s must be positive, got {args.max_wall_s:g}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    tasks = builtin_tasks()
    known = {t.id: t for t in tasks}
    task_ids = args.tasks or [t.id for t in tasks]
    unknown = [t for t in task_ids if t not in known]
    if unknown:
        raise SystemExit(f"error: unknown task(s) {', '.join(unknown)}; built-in tasks: "
                         f"{', '.join(known)}")
    todo = pairs_left(recorded_pairs(args.results), task_ids, args.seeds, args.redo)
    print(f"{len(todo)} training(s) to run, {args.workers} side by side; results go to "
          f"{args.results} as each finishes", flush=True)
    failed = []
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per training
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, task, seed, str(args.out), args.max_wall_s,
                               args.workers): (task, seed) for task, seed in todo}
        try:
            for future in as_completed(futures):
                task, seed = futures[future]
                try:
                    record = future.result()
                except Exception:  # one failed training must not lose the others' results
                    failed.append(f"{task} seed {seed}")
                    print(f"[{task} seed {seed}] FAILED, not recorded:\n"
                          f"{traceback.format_exc()}", flush=True)
                    continue
                record_run(args.results, record)
                print(f"[{task} seed {seed}] recorded: fitness {record['final_fitness']:.3f} "
                      f"(threshold {record['threshold']:g}), {record['wall_s']:.0f} s",
                      flush=True)
        except BaseException:  # Ctrl-C or a broken results file: start no queued training
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    rows = task_rows(load_reference_runs(args.results), [known[t] for t in task_ids])
    report("reference_runs_table", "Reference reward per task at its default budget (per seed)",
           COLUMNS, rows, {"results": str(args.results), "trained now": len(todo) - len(failed),
                           "failed": failed})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
