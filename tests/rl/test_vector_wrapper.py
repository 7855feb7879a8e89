"""RewardVectorWrapper over gymnasium vector envs: one batched call per step, right under both
autoreset modes (the reset step of NEXT_STEP pays 0 and is never computed; SAME_STEP's ending
transition comes from ``final_info``), terminal states seen before the reset, and placement."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rewardsmith import RewardVectorWrapper
from rewardsmith.rl.reward_program import load_reward

HEIGHT_REWARD = """
import numpy as np

def compute_reward(state, action, next_state):
    height = next_state.torso_height
    cost = -0.01 * np.sum(action ** 2, axis=1)
    return height + cost, {"height": height, "cost": cost}
"""
NEXT, SAME = gym.vector.AutoresetMode.NEXT_STEP, gym.vector.AutoresetMode.SAME_STEP


def hopper():
    return gym.make("Hopper-v5", max_episode_steps=40)


def counting_reward():
    inner, calls = load_reward(HEIGHT_REWARD), []

    def reward(state, action, next_state):
        calls.append(state.batch_size)
        return inner(state, action, next_state)

    return reward, calls


@pytest.mark.parametrize("mode", [NEXT, SAME])
def test_one_batched_call_per_step_and_terminal_states(mode):
    reward, calls = counting_reward()
    envs = RewardVectorWrapper(gym.vector.SyncVectorEnv([hopper] * 3, autoreset_mode=mode), reward)
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    resetting = np.zeros(3, dtype=bool)
    ended = 0
    for _ in range(150):
        actions = rng.uniform(-1, 1, (3, 3))
        obs, rewards, terminated, truncated, info = envs.step(actions)
        stepped = info["_reward_components"]
        if mode == NEXT:  # the step after an end only resets: no reward, not in the batch
            assert np.array_equal(stepped, ~resetting)
            assert np.all(rewards[resetting] == 0.0)
            assert calls[-1] == (~resetting).sum() or resetting.all()
        else:
            assert stepped.all() and calls[-1] == 3
        parts = info["reward_components"]["height"] + info["reward_components"]["cost"]
        assert np.allclose(rewards, parts) and np.array_equal(rewards, info["designed_rew"])
        assert "rewardsmith_transition" not in info
        done = terminated | truncated
        for i in np.flatnonzero(terminated):  # the reward saw the terminal torso height
            final = obs[i] if mode == NEXT else info["final_obs"][i]
            assert info["reward_components"]["height"][i] == pytest.approx(final[0], abs=1e-3)
            ended += 1
        resetting = done
    assert ended > 0 and len(calls) <= 150
    envs.close()


def test_when_every_sub_env_resets_no_reward_call_is_made():
    reward, calls = counting_reward()
    envs = RewardVectorWrapper(gym.vector.SyncVectorEnv(
        [lambda: gym.make("Hopper-v5", max_episode_steps=5)] * 2), reward)
    envs.reset(seed=0)
    for _ in range(5):
        envs.step(np.zeros((2, 3)))
    assert len(calls) == 5
    _, rewards, _, _, info = envs.step(np.zeros((2, 3)))  # both truncated last step: resets
    assert len(calls) == 5 and np.all(rewards == 0.0) and not info["_reward_components"].any()
    envs.close()


def test_sub_env_action_wrapper_and_vector_reward_wrapper_below_warn():
    from rewardsmith.rl import placement

    placement._warned.clear()
    reward = load_reward(HEIGHT_REWARD)
    clipped = gym.vector.SyncVectorEnv([lambda: gym.wrappers.ClipAction(hopper())] * 2)
    with pytest.warns(UserWarning, match=r"ClipAction \(changes actions.*out of the sub-envs"):
        RewardVectorWrapper(clipped, reward)
    normalised = gym.wrappers.vector.NormalizeReward(gym.vector.SyncVectorEnv([hopper] * 2))
    with pytest.warns(UserWarning, match=r"NormalizeReward \(changes rewards.*first"):
        RewardVectorWrapper(normalised, reward)
