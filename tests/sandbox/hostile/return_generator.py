# ruff: noqa
"""Hostile: return a generator (that never ends) instead of the (total, components) tuple.

Passes the static check. Contained: the contract check rejects anything but a 2-tuple without
iterating it.

expect: contract
expect-unchecked: contract
error: must return a tuple \(total_reward, components_dict\); got generator
error-unchecked: must return a tuple \(total_reward, components_dict\); got generator
"""
import numpy as np


def compute_reward(state, action, next_state):
    return (next_state.torso_velocity[:, 0] for _ in iter(int, 1))
