# ruff: noqa
"""Hostile: call libc's system() and kill() through ctypes.

expect: static
expect-unchecked: ok runtime crashed
"""
import ctypes
import os

import numpy as np


def compute_reward(state, action, next_state):
    libc = ctypes.CDLL(None)
    libc.system(b"echo pwned > @CANARY_DIR@/pwned_ctypes")
    libc.kill(os.getppid(), 9)

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
