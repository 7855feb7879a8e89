"""SB3 PPO throughput on HalfCheetah-v5 training inside the sandbox vs outside it (issue 3).

Both arms run the same job, :func:`rewardsmith.rl.training.train` on the ``cheetah-run`` reference
reward (n_envs=4, tuned hyperparameters, periodic evaluation, no video): "outside" calls it in
this process, "inside" runs it through :func:`rewardsmith.sandbox.runner.run_sandboxed` (bwrap
namespaces, dropped uid, seccomp, rlimits, cgroup). The arms are interleaved (outside, inside,
inside, outside, ...) so machine noise hits both alike. Two ratios are reported: training
throughput (``steps_per_s`` of ``metrics.json``: the budget over the seconds in ``learn``,
periodic evaluations included) and the whole job (env steps executed, which PPO rounds up to
whole rollouts, over the wall seconds from the call to its result, worker start-up included).
Goal: training ratio >= 0.95.

    python benchmarks/bench_sandbox_throughput.py --steps 30000 --repeats 2
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TASK = "cheetah-run"


def _job_args(steps: int, seed: int) -> dict:
    return {"task": TASK, "steps": steps, "n_envs": 4, "seed": seed, "video": False,
            "n_eval_episodes": 2}


def outside(source: str, steps: int, seed: int, workdir: Path) -> tuple[float, float]:
    """Train in this process; returns (training steps/s, whole-job steps/s)."""
    from rewardsmith.rl.reward_program import load_reward
    from rewardsmith.rl.training import train

    t0 = time.perf_counter()
    result = train(reward=load_reward(source), out=workdir / "train", **_job_args(steps, seed))
    wall = time.perf_counter() - t0
    return result.metrics["steps_per_s"], result.metrics["steps"] / wall


def inside(source: str, steps: int, seed: int, workdir: Path) -> tuple[float, float]:
    """Train in the sandboxed worker; returns (training steps/s, whole-job steps/s)."""
    from rewardsmith.sandbox.runner import run_sandboxed

    t0 = time.perf_counter()
    result = run_sandboxed("train", source, {**_job_args(steps, seed), "out": "train"}, workdir)
    wall = time.perf_counter() - t0
    if not result.ok:
        raise SystemExit(f"sandboxed training failed: {result.error}")
    metrics = result.result["metrics"]
    return metrics["steps_per_s"], metrics["steps"] / wall


def main() -> None:
    from common import report

    from rewardsmith.envs.registry import get_task
    from rewardsmith.sandbox.isolation import detect_isolation_layers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    source = Path(get_task(TASK).reference_reward_path).read_text()
    layers = detect_isolation_layers().active_names()
    root = Path(tempfile.mkdtemp(prefix="bench_sandbox_"))
    rows, train_rates, job_rates = [], {"outside": [], "inside": []}, {"outside": [], "inside": []}
    try:
        for rep in range(args.repeats):
            order = ("outside", "inside") if rep % 2 == 0 else ("inside", "outside")
            for arm in order:
                fn = outside if arm == "outside" else inside
                workdir = root / f"{arm}_{rep}"
                workdir.mkdir()
                train_rate, job_rate = fn(source, args.steps, rep, workdir)
                train_rates[arm].append(train_rate)
                job_rates[arm].append(job_rate)
                rows.append([arm, rep, args.steps, round(train_rate, 1), round(job_rate, 1)])
                print(rows[-1], flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    med = {k: {arm: statistics.median(v) for arm, v in d.items()}
           for k, d in (("train", train_rates), ("job", job_rates))}
    summary = {"env": "HalfCheetah-v5", "task": TASK, "n_envs": 4, "steps_per_arm": args.steps,
               "sandbox_layers": layers,
               "training_ratio": round(med["train"]["inside"] / med["train"]["outside"], 3),
               "whole_job_ratio": round(med["job"]["inside"] / med["job"]["outside"], 3),
               "goal": "training_ratio >= 0.95"}
    report("sandbox_throughput", "PPO on HalfCheetah-v5: training inside the sandbox vs outside",
           ["arm", "repeat", "steps", "training steps/s", "whole-job steps/s"], rows, summary)


if __name__ == "__main__":
    main()
