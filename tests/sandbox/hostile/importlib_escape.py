# ruff: noqa
"""Hostile: import os through importlib and kill the parent.

expect: static
expect-unchecked: ok runtime crashed
"""
import importlib

import numpy as np


def compute_reward(state, action, next_state):
    os = importlib.import_module("os")
    os.kill(os.getppid(), 9)
    os.kill(1, 9)

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
