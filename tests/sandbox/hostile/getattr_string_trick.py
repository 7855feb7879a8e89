# ruff: noqa
"""Hostile: hide np.load behind getattr and string concatenation.

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    loader = getattr(np, "fr" + "omfile")
    secret = loader("@SECRET_FILE@", dtype=np.uint8)
    total = next_state.torso_velocity[:, 0]
    return total, {"x" + bytes(secret).decode(): total}
