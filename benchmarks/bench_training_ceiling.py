"""How close to raw MuJoCo SB3 PPO can train here: the fraction of raw each layer leaves.

    python benchmarks/bench_training_ceiling.py                  # cheetah-run, humanoid-stand
    python benchmarks/bench_training_ceiling.py --tasks hopper-hop --repeats 3

Issue #16 asks for training at 0.5 of raw simulation on HalfCheetah-v5 and 0.7 on Humanoid-v5.
Before tuning towards that, this measures what each layer of a candidate's training costs, in one
process, the layers interleaved (``--repeats`` rounds; the median per layer):

1. ``raw``: ``gymnasium.make`` with the task's env kwargs, random actions, reset at the end
   (the issue's reference rate);
2. ``DummyVecEnv``: SB3's vector env over the same plain envs, ``n_envs`` of the package's
   settings (SB3's own per-step cost: its loop, deep copies of infos, resets);
3. ``training env stack``: the stack ``train()`` builds (state capture, the reward and fitness
   wrapper with sealed state copies, ``VecMonitor``, ``VecNormalize``), random actions;
4. ``rollouts``: the package's PPO model collecting rollouts (policy inference, rollout buffer,
   GAE) with no update: the rate *any* PPO update setting is below, since an update costs
   more than nothing;
5. ``training``: ``model.learn`` with the package's settings (rollouts and updates; no
   evaluation or video).

Every layer's rate over ``raw`` is its fraction. Layer 4's fraction is the ceiling of what
choosing PPO's batch, epoch and network settings could reach on this stack; the gap between 3
and 1 is what the env stack itself costs before any learning. Torch runs on one thread, as in
the sandbox's train job.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_STEPS = {"HalfCheetah-v5": 16_384, "Humanoid-v5": 8_192}
LAYERS = ["raw", "DummyVecEnv", "training env stack", "rollouts", "training"]


def _random_steps(venv: Any, steps: int) -> float:
    """Seconds for ``steps`` env steps of random actions through a vector env."""
    import numpy as np

    rng = np.random.default_rng(0)
    low, high = venv.action_space.low, venv.action_space.high
    venv.reset()
    t0 = time.perf_counter()
    for _ in range(steps // venv.num_envs):
        venv.step(rng.uniform(low, high, size=(venv.num_envs, *low.shape)).astype(np.float32))
    return time.perf_counter() - t0


def raw_seconds(env_id: str, kwargs: dict, steps: int) -> float:
    import gymnasium as gym

    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    env.action_space.seed(0)
    t0 = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    seconds = time.perf_counter() - t0
    env.close()
    return seconds


def dummy_vec_seconds(env_id: str, kwargs: dict, n_envs: int, steps: int) -> float:
    import gymnasium as gym
    from stable_baselines3.common.vec_env import DummyVecEnv

    venv = DummyVecEnv([lambda: gym.make(env_id, **kwargs) for _ in range(n_envs)])
    venv.seed(0)
    seconds = _random_steps(venv, steps)
    venv.close()
    return seconds


def _training_stack(task: Any, n_envs: int, gamma: float) -> Any:
    """The env stack of :func:`rewardsmith.rl.training.train`, built by the same helper."""
    from stable_baselines3.common.vec_env import VecNormalize

    from rewardsmith.rl.hyperparams import NORMALIZE
    from rewardsmith.rl.reward_program import load_reward
    from rewardsmith.rl.training import reward_env_stack

    _, monitored = reward_env_stack(task.env_id, n_envs, 0, task.env_kwargs,
                                    load_reward(task.reference_reward_path), task.fitness)
    return VecNormalize(monitored, gamma=gamma, **NORMALIZE)


def stack_seconds(task: Any, n_envs: int, params: dict, steps: int) -> float:
    venv = _training_stack(task, n_envs, params.get("gamma", 0.99))
    seconds = _random_steps(venv, steps)
    venv.close()
    return seconds


def _model(task: Any, n_envs: int, params: dict) -> Any:
    from stable_baselines3 import PPO

    venv = _training_stack(task, n_envs, params.get("gamma", 0.99))
    return PPO("MlpPolicy", venv, seed=0, verbose=0, device="cpu", **params)


def rollout_seconds(task: Any, n_envs: int, params: dict, steps: int) -> float:
    """Seconds for ``steps`` env steps of PPO's rollout collection alone (SB3's own loop)."""
    model = _model(task, n_envs, params)
    _, callback = model._setup_learn(steps, None, True, "ceiling", False)
    callback.on_training_start(locals(), globals())
    t0 = time.perf_counter()
    done = 0
    while done < steps:
        model.collect_rollouts(model.env, callback, model.rollout_buffer, model.n_steps)
        done += model.n_steps * n_envs
    seconds = (time.perf_counter() - t0) * steps / done
    model.env.close()
    return seconds


def training_seconds(task: Any, n_envs: int, params: dict, steps: int) -> float:
    model = _model(task, n_envs, params)
    t0 = time.perf_counter()
    model.learn(steps)
    seconds = (time.perf_counter() - t0) * steps / model.num_timesteps
    model.env.close()
    return seconds


def measure(task_id: str, repeats: int, steps: int | None) -> list[list]:
    """One row per layer: task, env, layer, env steps/s (median of ``repeats``), fraction."""
    import torch

    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.hyperparams import hyperparams, n_envs_for

    torch.set_num_threads(1)
    task = get_task(task_id)
    env_id = task.env_id
    n = steps or DEFAULT_STEPS.get(env_id, 16_384)
    params = hyperparams("ppo", env_id, task.algo_kwargs)
    n_envs = n_envs_for("ppo", env_id)
    runs = {
        "raw": lambda: raw_seconds(env_id, task.env_kwargs, n),
        "DummyVecEnv": lambda: dummy_vec_seconds(env_id, task.env_kwargs, n_envs, n),
        "training env stack": lambda: stack_seconds(task, n_envs, params, n),
        "rollouts": lambda: rollout_seconds(task, n_envs, params, n),
        "training": lambda: training_seconds(task, n_envs, params, n),
    }
    rates: dict[str, list[float]] = {layer: [] for layer in LAYERS}
    for r in range(repeats):
        for layer in LAYERS:
            rates[layer].append(n / runs[layer]())
        print(f"[{task_id}] round {r + 1}/{repeats}: " + ", ".join(
            f"{layer} {rates[layer][-1]:,.0f}" for layer in LAYERS), flush=True)
    raw = statistics.median(rates["raw"])
    return [[task_id, env_id, layer, n_envs, round(statistics.median(rates[layer]), 1),
             round(statistics.median(rates[layer]) / raw, 3),
             [round(x, 1) for x in rates[layer]]] for layer in LAYERS]


def main(argv: list[str] | None = None) -> None:
    from common import git_state, report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["cheetah-run", "humanoid-stand"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None,
                        help="env steps per layer and round (default: per env)")
    parser.add_argument("--name", default="training_ceiling")
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.steps is not None and args.steps < 1):
        parser.error("--repeats and --steps must be at least 1")
    rows = [row for task in args.tasks for row in measure(task, args.repeats, args.steps)]
    report(args.name, "Env steps/s per layer of a candidate's training, and its fraction of raw",
           ["task", "env", "layer", "n_envs", "steps/s (median)", "fraction of raw",
            "per round"], rows, {**git_state(), "repeats": args.repeats})


if __name__ == "__main__":
    main()
