"""Factories for the envs training and evaluation use: ``Monitor`` innermost, then capture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from rewardsmith.envs.mujoco_warnings import quiet_known_mujoco_warnings
from rewardsmith.rl.wrappers import CaptureState

quiet_known_mujoco_warnings()


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None, seed: int | None = None,
             render_mode: str | None = None) -> gym.Env:
    """One env: ``gym.make`` -> ``Monitor`` (the env's own return stays visible) -> capture."""
    kwargs = dict(env_kwargs or {})
    if render_mode:
        kwargs["render_mode"] = render_mode
    env = CaptureState(Monitor(gym.make(env_id, **kwargs)))
    if seed is not None:
        env.action_space.seed(seed)
    return env


def make_vec_env(env_id: str, n_envs: int, seed: int = 0,
                 env_kwargs: dict[str, Any] | None = None) -> DummyVecEnv:
    """``n_envs`` envs in a ``DummyVecEnv`` (faster than subprocesses on 2 cores, measured)."""

    def factory(rank: int) -> Callable[[], gym.Env]:
        return lambda: make_env(env_id, env_kwargs, seed + rank)

    venv = DummyVecEnv([factory(i) for i in range(n_envs)])
    venv.seed(seed)
    return venv
