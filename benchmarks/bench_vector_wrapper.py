"""Vector reward wrappers: one batched reward call per step vs one call per sub-env.

Arms, HalfCheetah-v5 with the cheetah-run reward and random actions, interleaved per repeat so
machine noise hits all alike (env steps per second, higher is better):

* ``native``: ``SyncVectorEnv`` of plain envs, the env's own reward (the ceiling);
* ``batched``: ``RewardVectorWrapper(SyncVectorEnv(...))``, one call with ``B = n_envs``;
* ``per-env``: ``SyncVectorEnv`` of ``RewardWrapper(gym.make(...))``, ``n_envs`` calls of
  ``B = 1`` (what a CleanRL user wrapping each env gets).

And the choice of how a ``VecRewardWrapper`` over SB3's ``SubprocVecEnv`` gets the state
(``--subproc``): the snapshot pair riding in each step's ``info`` (what it does), vs fetching
``MjData`` from every sub-env through ``get_attr`` after each step (about 690 KB pickled per
sub-env and step, and it would still miss the terminal state of an auto-reset).

    python benchmarks/bench_vector_wrapper.py --envs 8 --steps 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
ENV_ID = "HalfCheetah-v5"


def _reward() -> str:
    from rewardsmith.envs.registry import get_task

    return str(get_task("cheetah-run").reference_reward_path)


def _gym_steps_per_s(arm: str, n_envs: int, steps: int, seed: int) -> float:
    import gymnasium as gym

    from rewardsmith import RewardVectorWrapper, RewardWrapper

    reward = _reward()
    if arm == "per-env":
        envs = gym.vector.SyncVectorEnv(
            [lambda: RewardWrapper(gym.make(ENV_ID), reward)] * n_envs)
    else:
        envs = gym.vector.SyncVectorEnv([lambda: gym.make(ENV_ID)] * n_envs)
        if arm == "batched":
            envs = RewardVectorWrapper(envs, reward)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (steps, n_envs, 6))
    envs.reset(seed=seed)
    t0 = time.perf_counter()
    for a in actions:
        envs.step(a)
    elapsed = time.perf_counter() - t0
    envs.close()
    return steps * n_envs / elapsed


def _subproc_steps_per_s(arm: str, n_envs: int, steps: int) -> float:
    import gymnasium as gym
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from rewardsmith import VecRewardWrapper

    venv = SubprocVecEnv([lambda: gym.make(ENV_ID)] * n_envs, start_method="fork")
    if arm == "info":
        venv = VecRewardWrapper(venv, _reward())
    venv.reset()
    actions = np.random.default_rng(0).uniform(-1, 1, (steps, n_envs, 6))
    t0 = time.perf_counter()
    for a in actions:
        venv.step(a)
        if arm == "get_attr":  # the alternative: read MjData through the pipe after a step
            venv.get_attr("data")
    elapsed = time.perf_counter() - t0
    venv.close()
    return steps * n_envs / elapsed


def main() -> None:
    from common import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=2000, help="vector steps per arm")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--subproc", action="store_true",
                        help="also measure the SubprocVecEnv state-transfer choice")
    args = parser.parse_args()
    arms = ("native", "batched", "per-env")
    results = {arm: [] for arm in arms}
    rows = []
    for rep in range(args.repeats):
        row = [rep]
        for arm in arms:
            results[arm].append(_gym_steps_per_s(arm, args.envs, args.steps, rep))
            row.append(results[arm][-1])
        row.append(row[2] / row[3])
        rows.append(row)
    ratio = statistics.median(b / p for b, p in zip(results["batched"], results["per-env"],
                                                    strict=True))
    summary = {
        "median_ratio_batched_over_per_env": round(ratio, 3),
        "median_ratio_batched_over_native": round(statistics.median(
            b / n for b, n in zip(results["batched"], results["native"], strict=True)), 3),
        "n_envs": args.envs, "vector_steps_per_arm": args.steps,
    }
    if args.subproc:
        steps = max(args.steps // 4, 100)
        info = _subproc_steps_per_s("info", 2, steps)
        fetched = _subproc_steps_per_s("get_attr", 2, min(steps, 100))
        summary["subproc_2_envs_steps_per_s"] = {"snapshot pair in info": round(info, 1),
                                                 "MjData through get_attr": round(fetched, 1)}
    report("vector_wrapper",
           f"{ENV_ID}, SyncVectorEnv of {args.envs}: batched reward call vs one per sub-env",
           ["repeat", "native steps/s", "batched steps/s", "per-env steps/s",
            "batched / per-env"], rows, summary)


if __name__ == "__main__":
    main()
