# ruff: noqa
"""Hostile: add random noise on every call.

expect: smoke
expect-unchecked: smoke
"""
import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    noise = np.random.normal(size=len(action))
    return forward + noise, {"forward": forward, "noise": noise}
