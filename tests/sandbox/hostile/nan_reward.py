# ruff: noqa
"""Hostile: return NaN.

expect: contract
expect-unchecked: contract
"""
import numpy as np


def compute_reward(state, action, next_state):
    total = next_state.torso_velocity[:, 0] / 0.0 * 0.0
    return total, {"forward": total}
