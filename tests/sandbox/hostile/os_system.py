# ruff: noqa
"""Hostile: run shell commands with os.system and os.popen.

expect: static
expect-unchecked: ok runtime
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    os.system("echo pwned > @CANARY_DIR@/pwned_system")
    os.popen("echo pwned > @CANARY_DIR@/pwned_popen").read()

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
