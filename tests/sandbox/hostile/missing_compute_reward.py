# ruff: noqa
"""Hostile: define the wrong function name.

expect: static
expect-unchecked: load
"""
import numpy as np


def reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    return forward, {"forward": forward}
