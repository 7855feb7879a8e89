"""A user describes their own MuJoCo env and trains a reward on it (the README's recipe)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

import rewardsmith
from rewardsmith.envs.descriptions import ActionRow, EnvDescription, Field, build_layout
from rewardsmith.rl.training import train

REWARD = """
import numpy as np

def compute_reward(state, action, next_state):
    progress = next_state.ball_velocity[:, 0]
    effort = -0.01 * np.sum(action ** 2, axis=1)
    return progress + effort, {"progress": progress, "effort": effort}
"""


def build_point_mass(model, dt):
    layout = build_layout([("qpos", (2,)), ("qvel", (2,))])
    return EnvDescription(
        env_id="PointMass-v0", title="PointMass", summary="A ball pushed on a plane.",
        fields=[
            Field("ball_position", "(B, 2)", "m", "x, y of the ball", lambda r: r.qpos.copy()),
            Field("ball_velocity", "(B, 2)", "m/s", "velocity of the ball",
                  lambda r: r.qvel.copy()),
            Field("dt", "float", "s", "step duration", lambda r: dt),
        ],
        actions=[ActionRow(0, "push along x", -1, 1, "x", "force"),
                 ActionRow(1, "push along y", -1, 1, "y", "force")],
        notes=["Episodes last 200 steps."], layout=layout,
        snapshot_fn=lambda data: np.concatenate((data.qpos, data.qvel)), dt=dt,
    )


def test_custom_env_description_and_training(tmp_path):
    gym.register("PointMass-v0", entry_point="custom_point_env:PointMassEnv",
                 max_episode_steps=200)
    rewardsmith.register_env_description("PointMass-v0", build_point_mass)
    text = rewardsmith.describe_env("PointMass-v0")
    assert "`ball_velocity`" in text and "push along x" in text
    reward_file = tmp_path / "reward.py"
    reward_file.write_text(REWARD)
    rewardsmith.load_reward(reward_file, env="PointMass-v0")
    result = train(env="PointMass-v0", reward=reward_file, steps=2048, out=tmp_path / "run",
                   video=False)
    assert result.metrics["env"] == "PointMass-v0"
    assert result.metrics["final"]["episode_length"] == 200
    assert set(result.metrics["final"]["component_returns"]) == {"progress", "effort"}
