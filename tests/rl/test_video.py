"""Rollout videos follow the body: a HalfCheetah running far faster than the view is wide stays
in the middle of every frame, and the clip has the length it was asked for."""

from __future__ import annotations

import math

import gymnasium as gym
import imageio
import numpy as np
import pytest
from gymnasium.envs.mujoco.half_cheetah_v5 import HalfCheetahEnv

from rewardsmith.rl.video import VIDEO_FPS, record_video

PUSHED_ID = "RewardsmithTestPushedCheetah-v0"
SPEED = 8.0  # m/s: twice the speed at which a fixed camera loses the cheetah in two seconds


class PushedCheetah(HalfCheetahEnv):
    """The real HalfCheetah-v5, its torso set to run forward at ``SPEED`` before every step."""

    travelled: list[float] = []  # torso x at the end of each rollout, read by the test

    def reset(self, **kwargs):
        out = super().reset(**kwargs)
        PushedCheetah.travelled.append(0.0)
        return out

    def step(self, action):
        self.data.qvel[0] = SPEED
        out = super().step(action)
        PushedCheetah.travelled[-1] = float(self.data.qpos[0])
        return out


@pytest.fixture(scope="module")
def pushed_cheetah() -> str:
    if PUSHED_ID not in gym.registry:
        gym.register(PUSHED_ID, entry_point=PushedCheetah, max_episode_steps=1000)
    return PUSHED_ID


def _body_columns(frame: np.ndarray) -> np.ndarray:
    """Column indices of the cheetah's pixels: its tan/pink geoms are the only reddish things in
    view (the floor is black and pale green, the sky grey, the shadow dark)."""
    rgb = frame.astype(np.int32)
    reddish = (rgb[..., 0] > 120) & (rgb[..., 0] - rgb[..., 2] > 50)
    return np.nonzero(reddish)[1]


def _frames(path) -> list[np.ndarray]:
    reader = imageio.get_reader(path)
    try:
        return [np.asarray(frame) for frame in reader]
    finally:
        reader.close()


def test_a_fast_cheetah_stays_near_the_image_centre_in_every_frame(tmp_path, pushed_cheetah):
    seconds, width, height = 2.0, 320, 240
    path = record_video(lambda obs: np.zeros((1, 6)), pushed_cheetah, tmp_path / "run.mp4",
                        seconds=seconds, width=width, height=height)
    frames = _frames(path)
    env = gym.make(pushed_cheetah)
    dt, fovy = env.unwrapped.dt, env.unwrapped.model.vis.global_.fovy
    env.close()
    every = max(1, round(1.0 / (VIDEO_FPS * dt)))
    assert len(frames) == math.ceil(round(seconds / dt) / every)  # the whole clip, no more
    assert frames[0].shape == (height, width, 3)
    # It ran further than a camera 4 m away sees across (2 * 4 m * tan(fovy / 2) = 3.3 m) ...
    view_width = 2 * 4.0 * math.tan(math.radians(fovy) / 2)
    assert PushedCheetah.travelled[-1] > 2 * view_width, PushedCheetah.travelled
    # ... yet it is in view, near the middle, from the first frame to the last.
    for i, frame in enumerate(frames):
        columns = _body_columns(frame)
        assert columns.size > 200, f"frame {i}: the cheetah is out of view"
        assert abs(columns.mean() - width / 2) < 0.15 * width, (i, columns.mean())


def test_a_model_without_a_torso_is_filmed_whole_in_the_middle_of_the_frame(tmp_path):
    # The pendulum has no torso: the camera follows the whole model (the world body's subtree).
    path = record_video(lambda obs: np.full((1, 1), 3.0), "InvertedPendulum-v5",
                        tmp_path / "pole.mp4", seconds=0.4)
    frames = _frames(path)
    assert len(frames) == 10  # 0.04 s steps, one frame each: 25 fps
    # The pole is the only teal thing on the unlit black background; the cart pushed at full
    # force moves along the rail, and the pole stays in the middle third of the picture.
    for frame in (frames[0], frames[-1]):
        rgb = frame.astype(np.int32)
        teal = (rgb[..., 1] > 60) & (rgb[..., 2] > 60) & (rgb[..., 0] < 40)
        columns = np.nonzero(teal)[1]
        assert columns.size > 50 and abs(columns.mean() - 160) < 320 / 6, columns.mean()
