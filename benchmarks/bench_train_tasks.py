"""`rewardsmith train --task T` with the task's reference reward and default budget: wall time,
fitness reached, and the step at which the success threshold was first reached.

    python benchmarks/bench_train_tasks.py --tasks pendulum-balance cheetah-run \
        cheetah-run-backwards
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from common import report

    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.training import train

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+",
                        default=["pendulum-balance", "cheetah-run", "cheetah-run-backwards"])
    parser.add_argument("--out", type=Path, default=Path("runs/bench-train"))
    args = parser.parse_args()
    rows = []
    for task_id in args.tasks:
        task = get_task(task_id)
        t0 = time.perf_counter()
        result = train(task=task_id, out=args.out / task_id, video=False)
        m = result.metrics
        rows.append([task_id, task.default_steps, round(time.perf_counter() - t0, 1),
                     m["steps_per_s"], round(m["final"]["fitness_mean"], 3),
                     task.success_threshold, m["first_success_steps"], m["success"]])
        print(rows[-1], flush=True)
    report("train_tasks", "rewardsmith train --task T (reference reward, default budget)",
           ["task", "budget", "wall s", "steps/s", "final fitness", "threshold",
            "first success at step", "success"], rows, {})


if __name__ == "__main__":
    main()
