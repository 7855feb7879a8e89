# ruff: noqa
"""Hostile: ignore the state entirely.

expect: smoke
expect-unchecked: smoke
"""
import numpy as np


def compute_reward(state, action, next_state):
    ones = np.ones(len(action))
    return ones, {"alive": ones}
