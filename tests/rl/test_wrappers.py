"""RewardWrapper and VecRewardWrapper: the reward is replaced, the original kept, terminal
transitions right across autoreset, both checkers pass on wrapped envs; a reward file works
wherever a callable does, a wrong one fails at construction, and a wrapper placed above one that
changes actions, rewards or episode statistics says so once."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from rewardsmith import CaptureState, RewardWrapper, VecRewardWrapper, make_vec_env
from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.errors import RewardContractError, RewardLoadError
from rewardsmith.rl.reward_program import load_reward

HEIGHT_REWARD = """
import numpy as np

def compute_reward(state, action, next_state):
    height = next_state.torso_height
    cost = -0.01 * np.sum(action ** 2, axis=1)
    return height + cost, {"height": height, "cost": cost}
"""


@pytest.fixture(scope="module")
def height_reward_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("reward") / "height.py"
    path.write_text(HEIGHT_REWARD)
    return path


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


def test_vec_wrapper_installs_capture_into_a_plain_dummy_vec_env(height_reward_file):
    from stable_baselines3.common.vec_env import DummyVecEnv

    inner = [gym.make("Hopper-v5") for _ in range(2)]
    venv = VecRewardWrapper(DummyVecEnv([lambda e=e: e for e in inner]), height_reward_file)
    venv.reset()
    _, rewards, _, infos = venv.step(np.zeros((2, 3)))
    for i, env in enumerate(inner):  # the user's own objects: still what they were
        assert isinstance(env, gym.wrappers.TimeLimit)
        assert rewards[i] == pytest.approx(env.unwrapped.data.xpos[1, 2], abs=1e-5)
        assert "rewardsmith_transition" not in infos[i]


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


def test_reward_wrapper_takes_a_reward_file_and_keeps_its_info_clean(height_reward_file):
    env = RewardWrapper(gym.make("Hopper-v5"), height_reward_file)
    env.reset(seed=0)
    _, r, _, _, info = env.step(env.action_space.sample())
    assert "rewardsmith_transition" not in info
    assert info["designed_rew"] == r == pytest.approx(sum(info["reward_components"].values()))


@pytest.mark.parametrize("wrapper", [RewardWrapper, VecRewardWrapper])
def test_a_wrong_reward_argument_fails_at_construction_in_one_line(tmp_path, wrapper):
    from stable_baselines3.common.vec_env import DummyVecEnv

    def env():
        made = gym.make("Hopper-v5")
        return made if wrapper is RewardWrapper else DummyVecEnv([lambda: made])

    not_a_reward = tmp_path / "notes.py"
    not_a_reward.write_text("x = 1\n")
    cases = [(tmp_path / "missing.py", RewardLoadError, r"reward=.*missing\.py.*does not exist"),
             (not_a_reward, RewardLoadError, "defines no function compute_reward"),
             (3, TypeError, r"reward file path or a callable .* got int 3"),
             (lambda state: state, TypeError, r"cannot be called as reward\(state, action, ")]
    for reward, error, message in cases:
        with pytest.raises(error, match=message) as caught:
            wrapper(env(), reward)
        assert "\n" not in str(caught.value) and wrapper.__name__ in str(caught.value)


def test_placement_above_action_reward_and_statistics_wrappers_warns_once_with_the_fix():
    from rewardsmith.rl import placement

    placement._warned.clear()
    reward = load_reward(HEIGHT_REWARD)

    def naive():  # CleanRL's make_env with the reward appended last
        env = gym.wrappers.RecordEpisodeStatistics(gym.make("Hopper-v5"))
        env = gym.wrappers.NormalizeObservation(gym.wrappers.ClipAction(env))
        return gym.wrappers.NormalizeReward(env)

    with pytest.warns(UserWarning) as caught:
        RewardWrapper(naive(), reward)
    message = str(caught[0].message)
    for name in ("NormalizeReward", "ClipAction", "RecordEpisodeStatistics"):
        assert name in message
    assert "NormalizeObservation" not in message  # observations only: harmless
    assert "right after gym.make" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RewardWrapper(naive(), reward)  # the same placement again: already said
        RewardWrapper(gym.wrappers.NormalizeObservation(gym.make("Hopper-v5")), reward)


def test_above_a_statistics_wrapper_the_episode_return_is_the_designed_one():
    env = RewardWrapper(gym.wrappers.RecordEpisodeStatistics(
        gym.make("Hopper-v5", max_episode_steps=30)), load_reward(HEIGHT_REWARD))
    env.reset(seed=0)
    total, env_total = 0.0, 0.0
    while True:
        _, r, terminated, truncated, info = env.step(np.zeros(3))
        total, env_total = total + r, env_total + info["original_env_rew"]
        if terminated or truncated:
            break
    assert info["episode"]["r"] == pytest.approx(total)
    assert info["episode"]["original_r"] == pytest.approx(env_total, abs=1e-4)


def test_vec_normalize_below_the_vec_wrapper_warns():
    from stable_baselines3.common.vec_env import VecNormalize

    from rewardsmith.rl import placement

    placement._warned.clear()
    with pytest.warns(UserWarning, match=r"VecNormalize \(changes rewards.*VecNormalize\("):
        VecRewardWrapper(VecNormalize(make_vec_env("Hopper-v5", 2)), load_reward(HEIGHT_REWARD))


def test_make_vec_env_with_a_reward_puts_the_monitor_outside():
    from stable_baselines3.common.vec_env import VecMonitor

    venv = make_vec_env("Hopper-v5", 2, reward=load_reward(HEIGHT_REWARD))
    assert isinstance(venv, VecMonitor) and isinstance(venv.venv, VecRewardWrapper)
    assert not venv.env_is_wrapped(gym.wrappers.RecordEpisodeStatistics)[0]
