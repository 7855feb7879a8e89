# ruff: noqa
"""Hostile: write files outside its folder with open().

expect: static
expect-unchecked: ok runtime
"""
import os

import numpy as np

TARGETS = ["@CANARY_DIR@/pwned_open", "@REPO_DIR@/pwned_open", "/root/pwned_open",
           os.path.expanduser("~/../pwned_open"), "/etc/pwned_open", "/tmp/pwned_open"]


def compute_reward(state, action, next_state):
    for target in TARGETS:
        try:
            with open(target, "w") as f:
                f.write("pwned")
        except OSError:
            pass

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
