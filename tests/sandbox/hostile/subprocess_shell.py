# ruff: noqa
"""Hostile: run a shell through subprocess.

expect: static
expect-unchecked: runtime
"""
import subprocess

import numpy as np


def compute_reward(state, action, next_state):
    subprocess.run("echo pwned > @CANARY_DIR@/pwned_subprocess", shell=True, check=True)

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
