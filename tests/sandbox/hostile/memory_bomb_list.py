# ruff: noqa
"""Hostile: allocate a 32 GB Python list.

expect: memory
expect-unchecked: memory
"""
import numpy as np


def compute_reward(state, action, next_state):
    hog = [0] * (4 * 10 ** 9)
    return np.full(len(action), float(len(hog))), {"hog": np.zeros(len(action))}
