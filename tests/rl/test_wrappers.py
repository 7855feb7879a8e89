"""RewardWrapper and VecRewardWrapper: the reward is replaced, the original kept, terminal
transitions right across autoreset, and both checkers pass on wrapped envs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from rewardsmith import CaptureState, RewardWrapper, VecRewardWrapper, make_vec_env
from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.errors import RewardContractError
from rewardsmith.rl.reward_program import load_reward

HEIGHT_REWARD = """
import numpy as np

def compute_reward(state, action, next_state):
    height = next_state.torso_height
    cost = -0.01 * np.sum(action ** 2, axis=1)
    return height + cost, {"height": height, "cost": cost}
"""


def test_reward_wrapper_replaces_reward_and_keeps_original():
    reward = load_reward(HEIGHT_REWARD)
    env = RewardWrapper(gym.make("Hopper-v5"), reward)
    env.reset(seed=0)
    for _ in range(20):
        action = env.action_space.sample()
        _, r, term, trunc, info = env.step(action)
        height = env.unwrapped.data.xpos[1, 2]
        expected = height - 0.01 * np.sum(np.asarray(action, dtype=np.float64) ** 2)
        assert r == pytest.approx(expected)
        assert r == pytest.approx(sum(info["reward_components"].values()))
        assert "original_env_rew" in info and info["original_env_rew"] != r
        if term or trunc:
            env.reset()


def test_checkers_pass_on_wrapped_envs():
    reward = load_reward(HEIGHT_REWARD)
    gym_check_env(RewardWrapper(gym.make("Hopper-v5"), reward), skip_render_check=True)
    sb3_check_env(RewardWrapper(gym.make("Hopper-v5"), reward), warn=True)


def test_vec_wrapper_one_batched_call_and_terminal_states():
    calls = []
    inner = load_reward(HEIGHT_REWARD)

    def reward(state, action, next_state):
        calls.append(state.batch_size)
        return inner(state, action, next_state)

    venv = VecRewardWrapper(make_vec_env("Hopper-v5", 3, seed=0), reward)
    venv.reset()
    seen_done = 0
    for _ in range(300):
        actions = np.stack([venv.action_space.sample() for _ in range(3)])
        _, rewards, dones, infos = venv.step(actions)
        for i, info in enumerate(infos):
            assert rewards[i] == pytest.approx(sum(info["reward_components"].values()), abs=1e-5)
            assert "rewardsmith_transition" not in info
            if dones[i] and not info.get("TimeLimit.truncated"):
                seen_done += 1
                # the reward saw the terminal state, not the reset one (obs[0] is the torso z)
                terminal_z = info["terminal_observation"][0]
                height = info["reward_components"]["height"]
                assert height == pytest.approx(terminal_z, abs=1e-3)
                assert abs(height - terminal_z) < abs(height - obs_after_reset_z(venv, i))
    assert set(calls) == {3}
    assert seen_done > 0


def obs_after_reset_z(venv, i):
    return venv.venv.buf_obs[None][i][0]


def test_vec_wrapper_fitness_and_component_log():
    task = get_task("cheetah-run")
    venv = VecRewardWrapper(make_vec_env("HalfCheetah-v5", 2, seed=0),
                            load_reward(task.reference_reward_path), fitness_fn=task.fitness)
    venv.reset()
    fitness = []
    for _ in range(1000):
        _, _, dones, infos = venv.step(np.zeros((2, 6)))
        fitness += [info["episode_fitness"] for info in infos if "episode_fitness" in info]
    assert len(fitness) == 2 and all(abs(f) < 0.5 for f in fitness)
    stats = venv.component_log.pop()
    assert set(stats) == {"forward", "action_cost"}
    assert stats["action_cost"]["max"] == 0.0 and stats["forward"]["episode_sum"] is not None


def test_vec_wrapper_requires_capture():
    from stable_baselines3.common.vec_env import DummyVecEnv

    with pytest.raises(TypeError, match="CaptureState"):
        VecRewardWrapper(DummyVecEnv([lambda: gym.make("Hopper-v5")]), load_reward(HEIGHT_REWARD))


def test_bad_reward_raises_naming_component():
    def nan_reward(state, action, next_state):
        h = next_state.torso_height
        return h, {"bad": h * np.nan}

    env = RewardWrapper(CaptureState(gym.make("Hopper-v5")), nan_reward)
    env.reset(seed=0)
    with pytest.raises(RewardContractError, match="component 'bad'"):
        env.step(env.action_space.sample())


def test_capture_description_is_shared():
    env = CaptureState(gym.make("Ant-v5"))
    assert env.state_description is get_description("Ant-v5")
