"""The one rollout loop and the one policy loader, on real MuJoCo envs with tiny budgets.

``run_episodes`` must agree with a plain gymnasium loop fed the same seeds and actions (lengths,
the env's own return, how each episode ended), and every summary built on it (training's
``evaluate_policy``, the reeval job's episode records) must use its one vocabulary of endings.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecNormalize

from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.rl.evaluation import evaluate_policy
from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.rl.policy import (
    NORMALIZER_FILE,
    POLICY_FILE,
    load_for_training,
    load_policy,
)
from rewardsmith.rl.rollout import (
    ENDINGS,
    TRACE_POINTS,
    count_endings,
    run_episodes,
    trace_indices,
)
from rewardsmith.rl.wrappers import VecRewardWrapper
from rewardsmith.sandbox.jobs.reevaluate import evaluate_seed

PENDULUM = "InvertedPendulum-v5"
CHEETAH = "HalfCheetah-v5"


def effort_reward(state, action, next_state):
    """A reward any env can pay: a constant for being alive minus a small action cost."""
    effort = -0.1 * np.sum(action ** 2, axis=1)
    alive = np.ones(len(action))
    return alive + effort, {"alive": alive, "effort": effort}


def linear_policy(obs_dim: int, act_dim: int, seed: int = 0):
    """A deterministic policy of the observation, so a plain loop can replay the same actions."""
    weights = np.random.default_rng(seed).normal(size=(obs_dim, act_dim)) * 0.3
    # row by row: a batched matmul may round differently from a single row's, and the cheetah's
    # dynamics would amplify that into different trajectories
    return lambda obs: np.stack([np.clip(row @ weights, -1.0, 1.0) for row in np.asarray(obs)])


def zero_policy(obs):
    return np.zeros((len(obs), 1))


def push_policy(obs):
    return np.full((len(obs), 1), 3.0)


def plain_episode(env_id, seed, predict, **env_kwargs):
    """One episode with gymnasium alone: (length, terminated, truncated, env rewards, actions)."""
    env = gym.make(env_id, **env_kwargs)
    obs, _ = env.reset(seed=seed)
    rewards, actions = [], []
    try:
        while True:
            action = predict(obs[None])[0]
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(float(reward))
            actions.append(np.asarray(action, dtype=np.float64))
            if terminated or truncated:
                return len(rewards), terminated, truncated, np.array(rewards), np.array(actions)
    finally:
        env.close()


def test_episode_lengths_and_env_returns_match_a_plain_gymnasium_loop():
    predict = linear_policy(17, 6)
    kwargs = {"max_episode_steps": 60}
    episodes = run_episodes(predict, CHEETAH, effort_reward, env_kwargs=kwargs, n_episodes=3,
                            seed=7)
    assert len(episodes) == 3
    for i, episode in enumerate(episodes):
        length, _, _, env_rewards, actions = plain_episode(CHEETAH, 7 + i, predict, **kwargs)
        assert episode.length == length == 60
        assert episode.env_return == pytest.approx(env_rewards.sum(), rel=1e-5)
        np.testing.assert_allclose(episode.env_rewards, env_rewards, rtol=1e-5, atol=1e-5)
        expected_effort = -0.1 * np.sum(actions ** 2, axis=1)
        np.testing.assert_allclose(episode.components["effort"], expected_effort, atol=1e-9)


def test_pendulum_episode_lengths_match_a_plain_gymnasium_loop_with_the_same_seeds():
    episodes = run_episodes(zero_policy, PENDULUM, effort_reward, n_episodes=3, seed=0)
    lengths = [plain_episode(PENDULUM, i, zero_policy)[0] for i in range(3)]
    assert [e.length for e in episodes] == lengths
    assert len(set(lengths)) > 1  # the seeds really differ


def test_episode_ends_are_labelled_terminated_or_time_limit():
    fallen = run_episodes(push_policy, PENDULUM, effort_reward, n_episodes=2, seed=0)
    assert [e.ended for e in fallen] == ["terminated", "terminated"]
    assert all(e.length < 10 for e in fallen)
    capped = run_episodes(zero_policy, PENDULUM, effort_reward, n_episodes=2, seed=0,
                          env_kwargs={"max_episode_steps": 5})
    assert [(e.ended, e.length) for e in capped] == [("time_limit", 5), ("time_limit", 5)]
    # with a limit between the seeds' fall times, one batch holds both endings
    mixed = run_episodes(zero_policy, PENDULUM, effort_reward, n_episodes=3, seed=0,
                         env_kwargs={"max_episode_steps": 22})
    for i, episode in enumerate(mixed):
        _, terminated, truncated, _, _ = plain_episode(PENDULUM, i, zero_policy,
                                                       max_episode_steps=22)
        assert episode.ended == ("terminated" if terminated else "time_limit")
        assert truncated == (episode.ended == "time_limit")
    assert count_endings(mixed) == {"time_limit": 2, "terminated": 1}
    assert set(count_endings(fallen)) == set(ENDINGS)


def test_reward_return_is_the_sum_of_the_per_step_rewards():
    predict = linear_policy(17, 6, seed=1)
    (episode,) = run_episodes(predict, CHEETAH, effort_reward, n_episodes=1, seed=3,
                              env_kwargs={"max_episode_steps": 40})
    assert episode.reward_return == pytest.approx(float(episode.rewards.sum()))
    parts = episode.components["alive"] + episode.components["effort"]
    np.testing.assert_allclose(episode.rewards, parts, atol=1e-5)  # totals pass through float32
    assert episode.component_returns == pytest.approx(
        {"alive": 40.0, "effort": float(episode.components["effort"].sum())})
    assert all(len(v) == episode.length for v in episode.series().values())


def test_fitness_is_reported_per_episode_and_per_step_only_with_a_fitness_function():
    task = get_task("pendulum-balance")
    horizon = get_description(PENDULUM).horizon
    with_fitness = run_episodes(zero_policy, PENDULUM, effort_reward, fitness_fn=task.fitness,
                                n_episodes=2, seed=0)
    for episode in with_fitness:
        assert len(episode.step_fitness) == episode.length
        assert episode.fitness == pytest.approx(episode.step_fitness.sum() / horizon)
        assert "fitness" in episode.series()
    (without,) = run_episodes(zero_policy, PENDULUM, effort_reward, n_episodes=1, seed=0)
    assert without.fitness is None and without.step_fitness is None
    assert list(without.series()) == ["reward", "alive", "effort", "env_reward"]


def test_traces_keep_about_trace_points_steps_from_first_to_last():
    (episode,) = run_episodes(linear_policy(17, 6), CHEETAH, effort_reward, n_episodes=1,
                              seed=0, env_kwargs={"max_episode_steps": 120})
    steps, trace = episode.trace()
    assert len(steps) == TRACE_POINTS and steps[0] == 0 and steps[-1] == 119
    assert steps == sorted(set(steps))
    for name, values in episode.series().items():
        assert trace[name] == [round(float(values[i]), 5) for i in steps]
    assert list(trace_indices(3)) == [0, 1, 2]
    assert list(trace_indices(0)) == []


def test_normalize_obs_is_applied_before_predict():
    seen = []

    def predict(obs):
        seen.append(np.array(obs))
        return np.zeros((len(obs), 1))

    run_episodes(predict, PENDULUM, effort_reward, n_episodes=2, seed=0,
                 env_kwargs={"max_episode_steps": 3}, normalize_obs=lambda obs: obs * 0 + 7)
    assert len(seen) == 3 and all(np.all(batch == 7) for batch in seen)


def test_run_episodes_refuses_zero_episodes():
    with pytest.raises(ValueError, match="n_episodes"):
        run_episodes(zero_policy, PENDULUM, effort_reward, n_episodes=0)


def test_evaluate_policy_summarises_the_episodes_of_the_rollout_loop():
    task = get_task("pendulum-balance")
    kwargs = {"max_episode_steps": 22}
    episodes = run_episodes(zero_policy, PENDULUM, effort_reward, fitness_fn=task.fitness,
                            env_kwargs=kwargs, n_episodes=3, seed=0)
    result = evaluate_policy(zero_policy, PENDULUM, effort_reward, fitness_fn=task.fitness,
                             success_threshold=task.success_threshold, env_kwargs=kwargs,
                             n_episodes=3, seed=0)
    assert result.ended_by == {"time_limit": 2, "terminated": 1}
    assert result.episode_length == pytest.approx(np.mean([e.length for e in episodes]))
    assert result.reward_return == pytest.approx(np.mean([e.reward_return for e in episodes]))
    assert result.env_return == pytest.approx(np.mean([e.env_return for e in episodes]))
    assert result.episode_fitness == pytest.approx([e.fitness for e in episodes])
    assert result.success_rate == 0.0
    assert set(result.traces) == {"alive", "effort"}
    assert len(result.traces["alive"]) == episodes[0].length


def test_reeval_episode_records_use_the_same_ending_labels():
    task = get_task("pendulum-balance")
    result = evaluate_seed(zero_policy, PENDULUM, effort_reward, task, {"max_episode_steps": 22},
                           3, 0)
    assert result["ended_by"] == {"time_limit": 2, "terminated": 1}
    assert [e["ended"] for e in result["episodes"]] == ["time_limit", "terminated", "time_limit"]
    episode = result["episodes"][1]
    assert set(episode) == {"length", "ended", "fitness", "reward_return", "env_return",
                            "component_returns", "trace_steps", "trace"}
    assert set(episode["trace"]) == {"reward", "alive", "effort", "fitness", "env_reward"}
    assert episode["component_returns"] == {"alive": 19.0, "effort": 0.0}
    assert episode["reward_return"] == pytest.approx(19.0)
    assert result["success_rate"] == 0.0


@pytest.fixture(scope="module")
def saved_policy(tmp_path_factory):
    """A fresh PPO with non-trivial observation statistics, saved as training saves it."""
    folder = tmp_path_factory.mktemp("policy")
    venv = VecNormalize(VecRewardWrapper(make_vec_env(PENDULUM, 2, 0), effort_reward))
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(128)
    model.save(folder / POLICY_FILE)
    venv.save(str(folder / NORMALIZER_FILE))
    venv.close()
    return folder, model


def test_load_policy_predicts_deterministically_with_the_saved_normalisation(saved_policy):
    folder, trained = saved_policy
    loaded = load_policy(folder, PENDULUM)
    assert loaded.vec_normalize is not None and not loaded.vec_normalize.training
    obs = np.random.default_rng(0).normal(size=(3, 4)) * 0.1
    actions = loaded.predict(obs)
    assert actions.shape == (3, 1)
    np.testing.assert_array_equal(actions, loaded.predict(obs))
    mean = loaded.vec_normalize.obs_rms.mean.copy()
    expected = trained.predict(loaded.vec_normalize.normalize_obs(obs), deterministic=True)[0]
    np.testing.assert_allclose(actions, expected, atol=1e-6)
    assert not np.allclose(loaded.normalize_obs(obs), obs)
    np.testing.assert_array_equal(loaded.vec_normalize.obs_rms.mean, mean)  # stats frozen
    episodes = run_episodes(loaded.predict, PENDULUM, effort_reward, n_episodes=2, seed=0,
                            env_kwargs={"max_episode_steps": 10})
    assert all(e.length <= 10 and e.ended in ENDINGS for e in episodes)


def test_load_policy_without_statistics_uses_raw_observations(saved_policy, tmp_path):
    folder, trained = saved_policy
    (tmp_path / POLICY_FILE).write_bytes((folder / POLICY_FILE).read_bytes())
    loaded = load_policy(tmp_path, PENDULUM)
    obs = np.zeros((2, 4))
    assert loaded.vec_normalize is None
    np.testing.assert_array_equal(loaded.normalize_obs(obs), obs)
    np.testing.assert_allclose(loaded.predict(obs),
                               trained.predict(obs, deterministic=True)[0], atol=1e-6)


def test_load_for_training_binds_the_policy_and_statistics_to_the_new_env(saved_policy):
    folder, trained = saved_policy
    base = VecRewardWrapper(make_vec_env(PENDULUM, 2, 1), effort_reward)
    model, venv = load_for_training(folder, base)
    try:
        assert venv.training and venv.venv is base and model.get_env() is venv
        assert model.num_timesteps == trained.num_timesteps
        saved = VecNormalize.load(str(folder / NORMALIZER_FILE), make_vec_env(PENDULUM, 1, 0))
        np.testing.assert_array_equal(venv.obs_rms.mean, saved.obs_rms.mean)
    finally:
        venv.close()


def test_unknown_algo_is_a_clear_error(saved_policy):
    with pytest.raises(ValueError, match="unknown algo"):
        load_policy(saved_policy[0], PENDULUM, algo="dqn")
