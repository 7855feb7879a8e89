"""A tiny user-defined MuJoCo env (a point mass on a plane), used to test custom descriptions."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from gymnasium import spaces
from gymnasium.envs.mujoco.mujoco_env import MujocoEnv

XML = """
<mujoco model="point">
  <option timestep="0.02"/>
  <worldbody>
    <geom name="floor" type="plane" size="5 5 0.1"/>
    <body name="ball" pos="0 0 0.1">
      <joint name="x" type="slide" axis="1 0 0"/>
      <joint name="y" type="slide" axis="0 1 0"/>
      <geom name="ball" type="sphere" size="0.1" mass="1"/>
    </body>
  </worldbody>
  <actuator>
    <motor joint="x" gear="5" ctrlrange="-1 1"/>
    <motor joint="y" gear="5" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
"""


class PointMassEnv(MujocoEnv):
    """Push a ball around; observation is (x, y, vx, vy)."""

    metadata = {"render_modes": ["human", "rgb_array", "depth_array"], "render_fps": 25}

    def __init__(self, **kwargs):
        path = Path(tempfile.gettempdir()) / "rewardsmith_point_mass.xml"
        path.write_text(XML)
        obs_space = spaces.Box(-np.inf, np.inf, (4,), np.float64)
        super().__init__(str(path), 2, observation_space=obs_space, **kwargs)

    def step(self, action):
        self.do_simulation(action, self.frame_skip)
        return self._get_obs(), 0.0, False, False, {}

    def reset_model(self):
        self.set_state(self.init_qpos + self.np_random.uniform(-0.1, 0.1, 2), self.init_qvel)
        return self._get_obs()

    def _get_obs(self):
        return np.concatenate((self.data.qpos, self.data.qvel))
