"""Evaluator throughput: 2 workers vs 1 on the same K candidates (candidates scored per hour).

Each arm scores the same candidates on the full budget (no halving, so every candidate is one
training job plus its re-evaluation) with ``evaluate_candidates`` in the sandbox. The arms run
one after the other, alternating their order over ``--repeats`` so drift in the machine's load
hits both. Goal on this 2-core machine: ratio >= 1.7.

    python benchmarks/bench_evaluator_workers.py                  # pendulum, 4 x 24k steps, ~5 min
    python benchmarks/bench_evaluator_workers.py --task cheetah-run --steps 100000 --repeats 2
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from bench_halving import add_common_args, candidates_for
    from common import report

    from rewardsmith.evaluator import HalvingConfig, evaluate_candidates

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--repeats", type=int, default=1)
    parser.set_defaults(steps=24_576, candidates=4)
    args = parser.parse_args()
    cands = candidates_for(args.task, args.candidates)
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_workers_"))
    per_hour: dict[int, list[float]] = {1: [], 2: []}
    rows = []
    try:
        for rep in range(args.repeats):
            for workers in ((1, 2) if rep % 2 == 0 else (2, 1)):
                result = evaluate_candidates(
                    args.task, cands, root / f"w{workers}_r{rep}", steps=args.steps,
                    workers=workers, halving=HalvingConfig.full_budget(),
                    reeval_seeds=args.reeval_seeds, n_eval_episodes=args.n_eval_episodes,
                    live=args.live)
                rate = len(cands) / (result.wall_s / 3600)
                per_hour[workers].append(rate)
                rows.append([workers, rep, result.wall_s, result.env_steps,
                             result.env_steps / result.wall_s, rate, result.best])
    finally:
        if args.out is None:
            shutil.rmtree(root, ignore_errors=True)
    one, two = statistics.median(per_hour[1]), statistics.median(per_hour[2])
    summary = {"task": args.task, "budget": args.steps, "candidates": len(cands),
               "scored_per_hour_1_worker": round(one, 1),
               "scored_per_hour_2_workers": round(two, 1), "ratio": round(two / one, 3),
               "goal": "ratio >= 1.7"}
    report("evaluator_workers", f"Evaluator: 2 workers vs 1 ({args.task}, K={len(cands)}, "
           f"{args.steps:,} steps each)",
           ["workers", "repeat", "wall s", "env steps", "env steps/s", "candidates/hour",
            "best"], rows, summary)


if __name__ == "__main__":
    main()
