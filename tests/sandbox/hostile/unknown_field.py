# ruff: noqa
"""Hostile: read a state field that does not exist.

expect: runtime
expect-unchecked: runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_speed[:, 0]
    return forward, {"forward": forward}
