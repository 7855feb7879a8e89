# ruff: noqa
"""Hostile: return strings instead of numbers.

expect: contract
expect-unchecked: contract
"""
import numpy as np


def compute_reward(state, action, next_state):
    words = np.array(["good"] * len(action))
    return words, {"words": words}
