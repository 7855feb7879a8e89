# ruff: noqa
"""Hostile: return one scalar for the whole batch.

expect: contract
expect-unchecked: contract
"""
import numpy as np


def compute_reward(state, action, next_state):
    mean = float(np.mean(next_state.torso_velocity[:, 0]))
    return mean, {"mean": mean}
