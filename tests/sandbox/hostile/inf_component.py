# ruff: noqa
"""Hostile: return inf in one component.

expect: contract
expect-unchecked: contract
"""
import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    blowup = np.exp(1000.0 * np.abs(forward) + 1000.0)
    return forward, {"forward": forward, "blowup": blowup}
