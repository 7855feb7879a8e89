# ruff: noqa
"""Hostile: fail while the module is being loaded.

expect: load
expect-unchecked: load
"""
import numpy as np

SCALE = 1 / 0


def compute_reward(state, action, next_state):
    return next_state.torso_velocity[:, 0] * SCALE, {}
