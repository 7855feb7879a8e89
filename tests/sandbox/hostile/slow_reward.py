# ruff: noqa
"""Hostile: a Python loop that takes seconds per call.

expect: smoke timeout cpu
expect-unchecked: smoke timeout cpu
"""
import math

import numpy as np


def compute_reward(state, action, next_state):
    acc = 0.0
    for i in range(60_000_000):
        acc += math.sin(i)
    total = next_state.torso_velocity[:, 0] + 0.0 * acc
    return total, {"forward": total}
