# ruff: noqa
"""Hostile: allocate an 80 GB numpy array.

expect: memory
expect-unchecked: memory
"""
import numpy as np


def compute_reward(state, action, next_state):
    hog = np.ones((100_000, 100_000))
    return hog[0, : len(action)], {"hog": hog[1, : len(action)]}
