# ruff: noqa
"""Hostile: write outside its folder through np.lib.format.open_memmap.

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    mm = np.lib.format.open_memmap("@CANARY_DIR@/pwned_memmap.npy", mode="w+", shape=(3,))
    mm[:] = 1
    mm.flush()

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
