# ruff: noqa
"""Hostile: fill the disk with one huge file in its own folder.

expect: static
expect-unchecked: runtime crashed
"""
import numpy as np


def compute_reward(state, action, next_state):
    block = b"x" * (1 << 20)
    with open("huge.bin", "wb") as f:
        for _ in range(4096):
            f.write(block)

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
