# ruff: noqa
"""Hostile: reach libc through np.ctypeslib.

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    libc = np.ctypeslib.load_library("libc.so.6", "/lib/x86_64-linux-gnu")
    libc.system(b"echo pwned > @CANARY_DIR@/pwned_ctypeslib")

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
