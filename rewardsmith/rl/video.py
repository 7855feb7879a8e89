"""Offscreen rollout videos (MuJoCo EGL on the CPU), written as small h264 mp4 files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.envs.mujoco_warnings import quiet_known_mujoco_warnings

quiet_known_mujoco_warnings()

VIDEO_FPS = 30


def record_video(predict: Callable[[np.ndarray], np.ndarray], env_id: str, path: Path, *,
                 env_kwargs: dict[str, Any] | None = None, seconds: float = 5.0,
                 seed: int = 20_000, width: int = 320, height: int = 240,
                 normalize_obs: Callable[[np.ndarray], np.ndarray] | None = None) -> Path:
    """Roll out ``predict`` for ``seconds`` of simulated time and write an mp4 to ``path``.

    The clip keeps going across episode ends (reset and continue) so it is always full length.
    """
    os.environ.setdefault("MUJOCO_GL", "egl")
    import gymnasium as gym
    import imageio

    env = gym.make(env_id, render_mode="rgb_array", width=width, height=height,
                   **(env_kwargs or {}))
    dt = float(env.unwrapped.dt)
    every = max(1, round(1.0 / (VIDEO_FPS * dt)))
    n_steps = int(seconds / dt)
    frames = []
    try:
        obs, _ = env.reset(seed=seed)
        for step in range(n_steps):
            if step % every == 0:
                frames.append(env.render())
            batch = obs[None].astype(np.float32)
            action = predict(normalize_obs(batch) if normalize_obs else batch)[0]
            obs, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                obs, _ = env.reset()
    finally:
        env.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    fps = max(1, round(1.0 / (every * dt)))
    imageio.mimwrite(path, frames, fps=fps, codec="libx264", quality=6, macro_block_size=16)
    return path
