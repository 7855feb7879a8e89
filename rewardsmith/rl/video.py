"""Offscreen rollout videos (MuJoCo EGL on the CPU), written as small h264 mp4 files.

The camera follows the body: a fixed camera loses a HalfCheetah running at 4 m/s after about two
seconds, and a video of an empty floor cannot be ranked. Gymnasium's v5 envs name a body to track
in their ``default_camera_config`` but render it with a free camera; here MuJoCo's tracking
camera (``mjCAMERA_TRACKING``) keeps the torso's subtree centre of mass at the image centre,
at the distance and elevation gymnasium chose for that env, so the floor sliding past shows
the speed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mujoco
import numpy as np

from rewardsmith.envs.mujoco_warnings import quiet_known_mujoco_warnings

quiet_known_mujoco_warnings()

VIDEO_FPS = 30
VIDEO_SECONDS = 8.0
"""Long enough for a few gait cycles, two or three flips, or getting down and holding a pose."""
VIDEO_QUALITY = 5
"""imageio's 1-10 scale; 5 is x264 CRF 25. A tracking camera keeps the checkered floor moving,
which costs bits: 8 s at 320x240 is about 200-330 KB at 5, 320-530 KB at 6 (measured on a
HalfCheetah pushed to 6 m/s and a falling Humanoid), so a ranking page of 8 stays under 3 MB."""
TRACKED_BODY = "torso"
"""The body the camera follows; models without one are followed as a whole (the world body)."""
_ELEVATION = -20.0  # degrees: low enough to see feet and floor contact, high enough for depth


def tracking_camera(env: Any) -> mujoco.MjvCamera:
    """A camera on ``env`` (an unwrapped gymnasium MuJoCo env) that follows its torso.

    Distance, elevation and azimuth come from the env's own ``default_camera_config`` where it
    sets them (gymnasium sized them to each robot), so only the tracking changes.
    """
    model = env.model
    config = getattr(getattr(env, "mujoco_renderer", None), "default_cam_config", None) or {}
    camera = mujoco.MjvCamera()
    mujoco.mjv_defaultFreeCamera(model, camera)
    camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
    camera.fixedcamid = -1
    body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, TRACKED_BODY)
    camera.trackbodyid = body if body >= 0 else 0
    camera.distance = float(config.get("distance", camera.distance))
    camera.elevation = float(config.get("elevation", _ELEVATION))
    camera.azimuth = float(config.get("azimuth", 90.0))  # side view: +x runs to the right
    return camera


def record_video(predict: Callable[[np.ndarray], np.ndarray], env_id: str, path: Path, *,
                 env_kwargs: dict[str, Any] | None = None, seconds: float = VIDEO_SECONDS,
                 seed: int = 20_000, width: int = 320, height: int = 240,
                 normalize_obs: Callable[[np.ndarray], np.ndarray] | None = None) -> Path:
    """Roll out ``predict`` for ``seconds`` of simulated time and write an mp4 to ``path``.

    The clip keeps going across episode ends (reset and continue) so it is always full length,
    and the camera follows the torso (see :func:`tracking_camera`).
    """
    # Gymnasium's viewer picks the GL backend when it is created, so this still takes effect
    # in a process that imported mujoco before.
    os.environ.setdefault("MUJOCO_GL", "egl")
    import gymnasium as gym  # lazy, like the viewer: importing rl must not pull in rendering
    import imageio
    from gymnasium.envs.mujoco.mujoco_rendering import OffScreenViewer

    env = gym.make(env_id, **(env_kwargs or {}))
    base = env.unwrapped
    viewer = None
    dt = float(base.dt)
    every = max(1, round(1.0 / (VIDEO_FPS * dt)))
    n_steps = int(round(seconds / dt))
    frames = []
    try:
        obs, _ = env.reset(seed=seed)
        viewer = OffScreenViewer(base.model, base.data, width, height)
        viewer.cam = tracking_camera(base)
        for step in range(n_steps):
            if step % every == 0:
                frames.append(viewer.render("rgb_array"))
            batch = obs[None].astype(np.float32)
            action = predict(normalize_obs(batch) if normalize_obs else batch)[0]
            obs, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                obs, _ = env.reset()
    finally:
        if viewer is not None:
            viewer.close()
        env.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    fps = max(1, round(1.0 / (every * dt)))
    imageio.mimwrite(path, frames, fps=fps, codec="libx264", quality=VIDEO_QUALITY,
                     macro_block_size=16)
    return path
