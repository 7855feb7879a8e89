"""The time-to-success bench's arms (benchmarks/bench_time_to_success.py), without training.

An arm is trainer settings per env, and optionally its own reward file and env kwargs: every
arm must name settings its env accepts, its reward must load and keep the reward contract on
real states, and its env kwargs must build the env.
"""

from __future__ import annotations

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_time_to_success import ARMS, reward_of, settings, side_by_side

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.rl.hyperparams import hyperparams
from rewardsmith.rl.reward_program import load_reward
from rewardsmith.rl.transitions import record_transitions


@pytest.mark.parametrize("arm", sorted(ARMS))
def test_every_arm_gives_trainer_settings_only(arm):
    for env_id in [env for env in ARMS[arm] if env.endswith("-v5")] or ["HalfCheetah-v5"]:
        params = settings(arm, env_id)
        assert "reward" not in params and "env_kwargs" not in params


@pytest.mark.parametrize("arm", sorted(a for a in ARMS if "reward" in ARMS[a]))
def test_an_arms_reward_keeps_the_contract_on_real_states(arm):
    env_id = next((env for env in ARMS[arm] if env.endswith("-v5")), "HalfCheetah-v5")
    path = reward_of(arm)
    assert path is not None and Path(path).is_file()
    state, action, next_state = record_transitions(env_id, 8, seed=0).as_batch()
    total, components = validate_reward_output(load_reward(path)(state, action, next_state), 8)
    assert np.allclose(total, sum(components.values()))


def test_an_arm_without_a_reward_trains_the_task_reference():
    assert reward_of("after") is None


@pytest.mark.parametrize("arm", sorted(a for a in ARMS if "env_kwargs" in ARMS[a]))
def test_an_arms_env_kwargs_build_its_env(arm):
    env_id = next(env for env in ARMS[arm] if env.endswith("-v5"))
    env = gym.make(env_id, **ARMS[arm]["env_kwargs"])
    try:
        obs, _ = env.reset(seed=0)
        assert obs.shape == env.observation_space.shape
    finally:
        env.close()


def test_the_ant_arm_without_contact_forces_drops_them_from_the_observation():
    # The task now turns them off, so the arms measured with them must say so themselves
    full = gym.make("Ant-v5", **ARMS["ant_n16_alive1"]["env_kwargs"])
    lean = gym.make("Ant-v5", **ARMS["ant_n16_alive1_nocfrc"]["env_kwargs"])
    assert lean.observation_space.shape[0] < full.observation_space.shape[0]
    full.close()
    lean.close()


@pytest.mark.parametrize("arm", ["after_lr8e5", "after_std1", "after_std037", "after_std061",
                                 "after_net128", "after_flip_onesided"])
def test_cheetah_arms_measured_before_the_learning_rate_rose_name_the_rate_they_ran_with(arm):
    # HalfCheetah's default rate went from 8.25e-5 to 3.3e-4 after these ran: rerun as measured
    assert settings(arm, "HalfCheetah-v5")["learning_rate"] == pytest.approx(8.25e-5)


def test_the_x4_arm_is_the_packages_halfcheetah_rate():
    assert settings("after_lr4x", "HalfCheetah-v5")["learning_rate"] == pytest.approx(
        hyperparams("ppo", "HalfCheetah-v5")["learning_rate"])


def test_two_arms_run_each_seed_side_by_side_and_one_arm_pairs_its_seeds():
    assert side_by_side([0, 1], ["before", "after"]) == [[(0, "before"), (0, "after")],
                                                         [(1, "before"), (1, "after")]]
    assert side_by_side([0, 1, 2], ["after"]) == [[(0, "after"), (1, "after")], [(2, "after")]]


def test_the_humanoid_x3_arm_is_the_packages_humanoid_rate():
    # adopted after its probe: the arm now measures the package's setting
    assert settings("humanoid_lr3x", "Humanoid-v5")["learning_rate"] == pytest.approx(
        hyperparams("ppo", "Humanoid-v5")["learning_rate"])


def test_steps_sets_the_budget_in_place_of_the_tasks():
    from bench_time_to_success import _one

    result = _one("pendulum-balance", 0, "after", {}, 2, None, train_on=True, steps=2048)
    assert [steps for steps, _ in result["evals"]][-1] == 2048
    assert result["evals"][0][0] == 1024  # two evaluations over the given budget
