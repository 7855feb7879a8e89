"""Continue a task's reference runs past their budget: does more training reach the threshold?

Where a reference fails at its budget while still climbing, this answers "how much more would
it need" without retraining from zero: each seed's policy and normaliser, written by
``bench_reference_runs.py --out DIR``, train on with the same reward, seed and settings (PPO's
learning rate is constant, so this is the longer run but for one rollout buffer), evaluated at
the same interval. The budget is not changed by this: the output says where each seed first
reached the threshold, and its final fitness.

    python benchmarks/bench_continue_reference.py --task humanoid-raise-arms --seeds 0 1 \\
        --runs /tmp/raise_runs --steps 3000000

Writes ``benchmarks/results/continued_<task>.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import git_state, machine, report  # noqa: E402 (after the path set-up)


def continue_one(task: str, seed: int, runs: str, steps: int, eval_every: int,
                 out: str) -> dict:
    """Train seed ``seed`` of ``task`` on from ``runs/<task>/seed<seed>`` to ``steps``."""
    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.training import train

    t0 = time.perf_counter()
    result = train(task=task, seed=seed, steps=steps, out=Path(out) / task / f"seed{seed}",
                   video=False, eval_every=eval_every,
                   init_from=Path(runs) / task / f"seed{seed}")
    m = result.metrics
    threshold = get_task(task).success_threshold
    curve = [[e["steps"], e["fitness_mean"], e["episode_length"]] for e in m["evals"]]
    return {"task": task, "seed": seed, "from_steps": curve[0][0] - eval_every if curve else None,
            "steps": m["steps"], "final_fitness": m["final"]["fitness_mean"],
            "first_at_threshold": next((s for s, f, _ in curve if f >= threshold), None),
            "threshold": threshold, "curve": curve, "steps_per_s": m["steps_per_s"],
            "wall_s": round(time.perf_counter() - t0, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--runs", required=True, help="bench_reference_runs.py's --out folder")
    parser.add_argument("--steps", type=int, required=True, help="total steps to train to")
    parser.add_argument("--eval-every", type=int, default=200_000)
    parser.add_argument("--out", default="runs/bench-continue-reference")
    args = parser.parse_args()
    with ProcessPoolExecutor(len(args.seeds), mp_context=get_context("spawn")) as pool:
        results = list(pool.map(continue_one, [args.task] * len(args.seeds), args.seeds,
                                [args.runs] * len(args.seeds), [args.steps] * len(args.seeds),
                                [args.eval_every] * len(args.seeds),
                                [args.out] * len(args.seeds)))
    rows = [[r["seed"], f"{r['steps']:,}", round(r["final_fitness"], 3),
             r["first_at_threshold"] or "never",
             ", ".join(f"{f:.2f}" for _, f, _ in r["curve"]), r["steps_per_s"]]
            for r in results]
    report(f"continued_{args.task}", f"{args.task}: the reference runs continued to "
           f"{args.steps:,} steps",
           ["seed", "steps", "final fitness", "first at threshold", "evaluations",
            "steps/s"], rows,
           {"runs": results, "machine": machine(), **git_state(),
            "side_by_side": len(args.seeds)})


if __name__ == "__main__":
    main()
