"""Built-in tasks: every required task exists, its reference reward keeps the contract."""

from __future__ import annotations

import numpy as np
import pytest

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.envs.env_settings import env_settings_for, observation_kwargs
from rewardsmith.envs.exploration import Exploration, exploration_for
from rewardsmith.envs.intent import parse_task
from rewardsmith.envs.registry import all_tasks, get_description, get_task, task_ids
from rewardsmith.rl.reward_program import load_reward
from rewardsmith.rl.transitions import record_transitions

REQUIRED = ["pendulum-balance", "cheetah-run", "cheetah-run-backwards", "cheetah-flip",
            "hopper-hop", "hopper-hop-backwards", "walker-walk", "walker-walk-backwards",
            "ant-run", "humanoid-stand", "humanoid-kneel", "humanoid-raise-arms"]


def test_required_tasks_exist():
    assert set(REQUIRED) <= set(task_ids())


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.id)
def test_reference_reward_and_fitness_on_real_states(task):
    transitions = record_transitions(task.env_id, 16, seed=0, env_kwargs=task.env_kwargs)
    state, action, next_state = transitions.as_batch()
    reward = load_reward(task.reference_reward_path)
    total, components = validate_reward_output(reward(state, action, next_state), 16)
    assert np.allclose(total, sum(components.values()))  # gymnasium's test_reward_sum, ours
    fitness = np.asarray(task.fitness(state, action, next_state))
    assert fitness.shape == (16,) and np.all(np.isfinite(fitness))
    assert task.success_threshold is not None and task.default_steps > 0
    assert task.text


@pytest.mark.parametrize("task_id", ["humanoid-stand", "humanoid-kneel", "humanoid-raise-arms",
                                     "hopper-hop-backwards", "walker-walk-backwards"])
def test_a_task_ends_episodes_as_a_request_for_the_same_thing_would(task_id):
    # Standing and raising the arms keep Humanoid's default (a torso below 1.0 m has fallen);
    # kneeling lowers the healthy height to the knees; moving backwards widens Hopper's healthy
    # lean to Walker2d's 1 rad (Walker2d keeps it). The task's own kwargs are what the run
    # uses, so compare with env_settings' decision for its text, not with resolve_task's.
    task = get_task(task_id)
    decided = env_settings_for(parse_task(task.text), task.env_id,
                               get_description(task.env_id)).kwargs
    assert task.env_kwargs == decided
    assert "terminate_when_unhealthy" not in task.env_kwargs


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(KeyError, match="cheetah-run"):
        get_task("cheetah-sprint")


def test_ant_runs_see_no_contact_forces_and_the_state_still_has_them():
    # What the policy observes is an env setting every Ant run shares: the built-in task, a
    # request no task matches (here with termination off as well), and `train --env`. The
    # reward and the fitness read the named state, which keeps the contacts either way.
    import gymnasium as gym

    lean = observation_kwargs("Ant-v5")
    assert lean == {"include_cfrc_ext_in_observation": False}
    ant_run = get_task("ant-run").env_kwargs  # its own floor too: a flip ends the episode
    assert {k: v for k, v in ant_run.items() if k in lean} == lean
    lying = env_settings_for(parse_task("make the ant lie on its back"), "Ant-v5",
                             get_description("Ant-v5"))
    assert lying.kwargs == {**lean, "terminate_when_unhealthy": False} and lying.reason
    assert observation_kwargs("HalfCheetah-v5") == {}
    env = gym.make("Ant-v5", **lean)
    assert env.observation_space.shape == (27,)
    env.close()
    transitions = record_transitions("Ant-v5", 4, seed=0, env_kwargs=lean)
    full = record_transitions("Ant-v5", 4, seed=0)
    state, _, _ = transitions.as_batch()
    assert "contacts" in get_description("Ant-v5").field_names
    same_start = full.as_batch()[0]
    assert np.array_equal(np.asarray(state.torso_height), np.asarray(same_start.torso_height))


@pytest.mark.parametrize("task_id", [t.id for t in all_tasks()])
def test_a_task_trains_as_a_request_for_the_same_thing_would(task_id):
    # cheetah-flip starts its action noise wide, as any request to flip does; no other task
    # changes the tuned settings (the wide start stopped cheetah-run's reference from running).
    task = get_task(task_id)
    assert task.algo_kwargs == exploration_for(parse_task(task.text)).algo_kwargs
    assert bool(task.algo_kwargs) == (task_id == "cheetah-flip")


def test_a_flip_request_gets_wide_action_noise_and_says_why():
    for text in ("make the hopper do a front flip", "make the humanoid do a backflip",
                 "make the half cheetah somersault"):
        exploration = exploration_for(parse_task(text))
        assert exploration.algo_kwargs == {"policy_kwargs": {"log_std_init": 0.0}}
        assert "std 1" in exploration.reason
    for text in ("make the half cheetah run", "make the humanoid kneel", "make the ant spin"):
        assert exploration_for(parse_task(text)) == Exploration()
