"""The offline designer end to end: does `rewardsmith design` reach each task's success
threshold within the default budget, how long does it take, and how long until the first
candidate is scored?

    python benchmarks/bench_design_offline.py                       # the issue's task list
    python benchmarks/bench_design_offline.py --only pendulum-balance

Runs the real loop (sandboxed smoke tests and trainings, successive halving, 2 workers) with the
defaults a user gets; writes benchmarks/results/design_offline.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = [
    {"name": "pendulum-balance", "task": "pendulum-balance"},
    {"name": "cheetah-run", "task": "cheetah-run"},
    {"name": "cheetah-run-backwards", "task": "cheetah-run-backwards"},
    {"name": "hopper-hop", "task": "hopper-hop"},
    {"name": "text: run backwards", "text": "make the half cheetah run backwards",
     "env": "HalfCheetah-v5"},
    {"name": "text: humanoid kneel", "text": "make humanoid kneel"},  # the README's example
    # a flip: the run trains with the behaviour's wide action noise (envs/exploration.py)
    {"name": "text: cheetah backflips", "text": "make the half cheetah do backflips"},
]


def first_scored_s(run_path: Path) -> float | None:
    """Seconds from the start of `design` to the first finished training rung."""
    started = json.loads((run_path / "run.json").read_text())["started_at"]
    log = run_path / "iter_0" / "events.log"
    if not log.is_file():
        return None
    for line in log.read_text().splitlines():
        event = json.loads(line)
        if event.get("event") == "rung_done":
            return round(event["t"] - started, 1)
    return None


def env_steps(run_path: Path) -> int:
    """Env steps every training of the run took, all iterations together."""
    return sum(json.loads(p.read_text()).get("env_steps", 0)
               for p in run_path.glob("iter_*/report.json"))


def run_case(case: dict, out: Path, iterations: int, stop_on_success: bool) -> list:
    from rewardsmith.run.api import design

    t0 = time.perf_counter()
    run = design(case.get("text"), env=case.get("env"), task=case.get("task"), out=out,
                 designer="offline", iterations=iterations, say=lambda line: None,
                 stop_on_success=stop_on_success)
    wall = time.perf_counter() - t0
    state = run.state
    best = state.get("best") or {}
    reeval = state.get("best_reeval") or {}
    iters = len([p for p in run.path.glob("iter_*/summary.json")])
    return [case["name"], round(wall, 1), first_scored_s(run.path), iters,
            env_steps(run.path), best.get("fitness"),
            reeval.get("fitness_mean"), reeval.get("fitness_sem"), bool(state.get("success")),
            str(run.path)]


def main() -> None:
    from common import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="case names to run")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("runs/bench-design-offline"))
    parser.add_argument("--name", default="design_offline", help="results file name")
    parser.add_argument("--no-stop-on-success", dest="stop_on_success", action="store_false",
                        help="train every iteration in full (before the run ended at the "
                             "first success)")
    args = parser.parse_args()
    rows = []
    for case in CASES:
        if args.only and case["name"] not in args.only:
            continue
        rows.append(run_case(case, args.out, args.iterations, args.stop_on_success))
        print(rows[-1], flush=True)
    report(args.name, "rewardsmith design with the offline designer (default budgets)",
           ["case", "wall s", "first scored s", "iterations", "env steps", "best fitness",
            "re-eval mean", "re-eval s.e.", "success", "run"], rows,
           {"goal_first_scored_s": "< 60 on a HalfCheetah task (issue #16)",
            "stop_on_success": args.stop_on_success})


if __name__ == "__main__":
    main()
