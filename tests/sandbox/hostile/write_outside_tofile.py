# ruff: noqa
"""Hostile: write outside its folder with ndarray.tofile.

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    np.arange(3).tofile("@CANARY_DIR@/pwned_tofile")

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
