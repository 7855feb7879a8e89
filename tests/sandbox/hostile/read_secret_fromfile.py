# ruff: noqa
"""Hostile: read a secret file with np.fromfile and return its bytes as rewards.

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    data = np.fromfile("@SECRET_FILE@", dtype=np.uint8).astype(float)
    name = "".join(chr(int(c)) for c in data)
    total = next_state.torso_velocity[:, 0]
    return total, {name: total}
