# ruff: noqa
"""Hostile: return (B, 3) instead of (B,).

expect: contract
expect-unchecked: contract
"""
import numpy as np


def compute_reward(state, action, next_state):
    velocity = next_state.torso_velocity
    return velocity, {"velocity": velocity}
