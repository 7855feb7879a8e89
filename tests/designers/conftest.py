"""Fixtures of the designer tests: a real Walker2d posed by hand, for measures and rewards alike.

The success measure and the reward both read a kneel from floor contacts, and only a real
MuJoCo body tells which contacts a pose reports (on Walker2d a knee down is the thigh's).
"""

from __future__ import annotations

import gymnasium as gym
import mujoco
import numpy as np
import pytest

from rewardsmith.envs.registry import get_description


class WalkerPoser:
    """A real Walker2d whose joints the test sets, lowered until it just touches the floor."""

    def __init__(self):
        self.env = gym.make("Walker2d-v5", terminate_when_unhealthy=False)
        self.env.reset(seed=0)
        self.model, self.data = self.env.unwrapped.model, self.env.unwrapped.data
        self.description = get_description("Walker2d-v5")

    def pose(self, pitch: float, thigh: float, knee: float, ankle: float,
             left: tuple[float, float, float] | None = None):
        """Both legs alike, or the left one as ``left`` (thigh, knee, ankle) says (radians;
        rooty positive tips the front down); return the state."""
        model, data = self.model, self.data
        floor = model.geom("floor").id
        legs = {"": (thigh, knee, ankle), "_left": left or (thigh, knee, ankle)}

        def place(z: float) -> bool:
            data.qpos[:] = model.qpos0
            data.qvel[:] = 0.0
            data.qpos[1], data.qpos[2] = z, pitch
            for side, angles in legs.items():
                for joint, angle in zip(("thigh", "leg", "foot"), angles, strict=True):
                    data.qpos[model.joint(f"{joint}{side}_joint").qposadr[0]] = angle
            mujoco.mj_forward(model, data)
            return bool(np.any(data.contact.geom[:data.ncon] == floor))

        low, high = -1.0, 3.0  # touching at low, in the air at high
        while high - low > 1e-6:
            middle = (low + high) / 2
            low, high = (middle, high) if place(middle) else (low, middle)
        place(low)
        return self.description.state_from_snapshots(self.description.snapshot(data)[None])


@pytest.fixture(scope="module")
def walker():
    poser = WalkerPoser()
    yield poser
    poser.env.close()

