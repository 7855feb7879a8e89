"""Built-in tasks: every required task exists, its reference reward keeps the contract."""

from __future__ import annotations

import numpy as np
import pytest

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.envs.registry import all_tasks, get_task, task_ids
from rewardsmith.envs.task_resolution import resolve_task
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


def test_a_low_pose_runs_the_whole_horizon_and_standing_ones_end_at_a_fall():
    # kneeling puts the torso below Humanoid's healthy height (1.0 m): termination would end
    # every success. Standing and raising the arms stay on the feet, where a fall ends the
    # episode, as env_settings decides for requests no task covers ("raise its left arm").
    assert get_task("humanoid-kneel").env_kwargs["terminate_when_unhealthy"] is False
    for task_id in ("humanoid-raise-arms", "humanoid-stand"):
        assert "terminate_when_unhealthy" not in get_task(task_id).env_kwargs
        assert get_task(task_id).env_kwargs == resolve_task(get_task(task_id).text).env_kwargs


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(KeyError, match="cheetah-run"):
        get_task("cheetah-sprint")
