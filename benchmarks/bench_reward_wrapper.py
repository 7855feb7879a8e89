"""SB3 PPO throughput on HalfCheetah-v5 (n_envs=4): native reward vs ``VecRewardWrapper``.

Both arms use the same tuned hyperparameters, ``Monitor`` and ``VecNormalize``; they are
interleaved (native, wrapped, native, ...) so machine noise hits both alike. Goal: ratio >= 0.95.

    python benchmarks/bench_reward_wrapper.py --steps 20000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _ppo_steps_per_s(wrapped: bool, steps: int, seed: int) -> float:
    import gymnasium as gym
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.hyperparams import NORMALIZE, hyperparams
    from rewardsmith.rl.make_env import make_vec_env
    from rewardsmith.rl.reward_program import load_reward
    from rewardsmith.rl.wrappers import VecRewardWrapper

    torch.set_num_threads(1)
    env_id = "HalfCheetah-v5"
    if wrapped:
        task = get_task("cheetah-run")
        venv = VecRewardWrapper(make_vec_env(env_id, 4, seed),
                                load_reward(task.reference_reward_path))
    else:
        venv = DummyVecEnv([lambda: Monitor(gym.make(env_id)) for _ in range(4)])
        venv.seed(seed)
    params = hyperparams("ppo", env_id)
    venv = VecNormalize(venv, gamma=params["gamma"], **NORMALIZE)
    model = PPO("MlpPolicy", venv, seed=seed, verbose=0, device="cpu", **params)
    t0 = time.perf_counter()
    model.learn(steps)
    elapsed = time.perf_counter() - t0
    venv.close()
    return model.num_timesteps / elapsed


def main() -> None:
    from common import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    native, wrapped, rows = [], [], []
    for rep in range(args.repeats):
        n = _ppo_steps_per_s(False, args.steps, rep)
        w = _ppo_steps_per_s(True, args.steps, rep)
        native.append(n)
        wrapped.append(w)
        rows.append([rep, n, w, w / n])
    ratio = statistics.median(w / n for n, w in zip(native, wrapped, strict=True))
    report("reward_wrapper", "PPO HalfCheetah-v5, n_envs=4: native reward vs VecRewardWrapper",
           ["repeat", "native steps/s", "wrapped steps/s", "ratio"], rows,
           {"median_ratio": round(ratio, 3), "goal": ">= 0.95", "steps_per_arm": args.steps})


if __name__ == "__main__":
    main()
