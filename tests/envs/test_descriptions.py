"""Env descriptions: the same names on every locomotion env, values that match MuJoCo, and a
prompt text that documents them without revealing the env's own reward."""

from __future__ import annotations

import gymnasium as gym
import mujoco
import numpy as np
import pytest

from rewardsmith.envs.registry import describe_env, env_ids, get_description

LOCOMOTION = ["HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "Ant-v5", "Humanoid-v5"]
SHARED = ["torso_position", "torso_height", "torso_velocity", "torso_angular_velocity",
          "torso_orientation", "torso_up", "joint_angles", "joint_velocities",
          "body_positions", "contacts", "dt"]


def test_all_required_envs_are_described():
    assert set(LOCOMOTION + ["InvertedPendulum-v5"]) <= set(env_ids())


@pytest.mark.parametrize("env_id", LOCOMOTION)
def test_shared_fields_have_shapes(env_id):
    description = get_description(env_id)
    assert set(SHARED) <= set(description.field_names)
    env = gym.make(env_id)
    env.reset(seed=0)
    snaps = []
    for _ in range(3):
        env.step(env.action_space.sample())
        snaps.append(description.snapshot(env.unwrapped.data))
    state = description.state_from_snapshots(np.stack(snaps))
    assert state.torso_position.shape == (3, 3)
    assert state.torso_height.shape == (3,)
    assert state.torso_velocity.shape == (3, 3)
    assert state.torso_angular_velocity.shape == (3, 3)
    assert state.torso_orientation.shape == (3, 4)
    assert state.torso_up.shape == (3,)
    for mapping in ("joint_angles", "joint_velocities", "contacts"):
        assert all(v.shape == (3,) for v in state[mapping].values())
    assert all(v.shape == (3, 3) for v in state.body_positions.values())
    assert all(v.dtype == bool for v in state.contacts.values())
    assert isinstance(state.dt, float)
    env.close()


@pytest.mark.parametrize("env_id", LOCOMOTION)
def test_values_match_mujoco(env_id):
    description = get_description(env_id)
    env = gym.make(env_id)
    env.reset(seed=1)
    env.action_space.seed(1)
    model, data = env.unwrapped.model, env.unwrapped.data
    before = description.snapshot(data)
    x_before = data.xpos[1].copy()
    for _ in range(5):
        env.step(env.action_space.sample())
    x_mid = data.xpos[1].copy()
    mid = description.snapshot(data)
    state = description.state_from_snapshots(np.stack([before, mid]))
    assert np.allclose(state.torso_position[0], x_before)
    assert np.isclose(state.torso_height[1], x_mid[2])
    # The reported velocity is the torso's: the torso's mean velocity over one physics step
    # (its finite difference) lies between the velocities reported before and after it (up to
    # 5 cm/s + 10%; HalfCheetah integrates with Euler, the others with RK4). Over a whole env
    # step (several physics steps) the velocity changes too much to compare.
    # mj_step leaves xpos at the positions it started from: recompute them on both sides.
    mujoco.mj_kinematics(model, data)
    x_start = data.xpos[1].copy()
    v_start = description.state_from_snapshots(description.snapshot(data)[None]).torso_velocity[0]
    mujoco.mj_step(model, data)
    mujoco.mj_kinematics(model, data)
    fd = (data.xpos[1] - x_start) / model.opt.timestep
    v_end = description.state_from_snapshots(description.snapshot(data)[None]).torso_velocity[0]
    tol = 0.05 + 0.1 * np.abs(fd)
    for axis in (0, 2):  # forward and vertical: every env moves along both
        low, high = sorted((v_start[axis], v_end[axis]))
        assert low - tol[axis] <= fd[axis] <= high + tol[axis], (axis, v_start, v_end, fd)
    up = state.torso_up
    assert np.all(up <= 1.0) and np.all(up >= -1.0)
    env.close()


def test_upright_start_and_contacts():
    description = get_description("Humanoid-v5")
    env = gym.make("Humanoid-v5")
    env.reset(seed=0)
    for _ in range(40):  # let it settle onto the floor
        env.step(np.zeros(env.action_space.shape))
    state = description.state_from_snapshots(description.snapshot(env.unwrapped.data)[None])
    assert state.torso_up[0] > 0.5
    assert state.contacts["right_foot"][0] or state.contacts["left_foot"][0]
    assert not state.contacts["torso"][0]
    env.close()


def test_unknown_field_names_the_available_ones():
    description = get_description("HalfCheetah-v5")
    state = description.state_from_snapshots(np.zeros((2, description.snapshot_size)))
    with pytest.raises(AttributeError, match="no field 'forward_velocity'.*torso_velocity"):
        state.forward_velocity  # noqa: B018


@pytest.mark.parametrize("env_id", LOCOMOTION + ["InvertedPendulum-v5"])
def test_prompt_text_documents_fields_and_hides_the_env_reward(env_id):
    text = describe_env(env_id)
    description = get_description(env_id)
    for name in description.field_names:
        assert f"`{name}`" in text
    for joint in description.joint_names:
        assert f"`{joint}`" in text
    for secret in ("forward_reward_weight", "ctrl_cost", "healthy_reward", "_get_rew",
                   "contact_cost", "def "):
        assert secret not in text
    assert f"(B, {description.action_dim})" in text


def test_pendulum_fields():
    description = get_description("InvertedPendulum-v5")
    assert description.field_names == ["cart_position", "cart_velocity", "pole_angle",
                                       "pole_angular_velocity", "dt"]


def test_humanoid_geom_positions_are_the_hands_and_head_mujoco_places():
    # The hands and the head are geoms inside the lower-arm and torso bodies, away from their
    # frames: geom_positions reads MuJoCo's own geom centres, and the doc gives each sphere's
    # radius (the fitness of humanoid-raise-arms adds the head's to reach its top).
    description = get_description("Humanoid-v5")
    env = gym.make("Humanoid-v5")
    env.reset(seed=2)
    env.action_space.seed(2)
    for _ in range(4):
        env.step(env.action_space.sample())
    model, data = env.unwrapped.model, env.unwrapped.data
    state = description.state_from_snapshots(description.snapshot(data)[None])
    assert set(state.geom_positions) == {"right_hand", "left_hand", "head"}
    doc = next(f.doc for f in description.fields if f.name == "geom_positions")
    for name, position in state.geom_positions.items():
        assert np.allclose(position[0], data.geom_xpos[model.geom(name).id])
        assert f"{name}: " in doc and f"radius {model.geom(name).size[0]:.2f} m" in doc
    assert model.geom("head").size[0] == pytest.approx(0.09)  # _HEAD_RADIUS in the fitness
    assert "geom_positions" not in get_description("Ant-v5").field_names
    env.close()
