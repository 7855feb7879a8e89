# ruff: noqa
"""Hostile: flip the sign of the speed the task fitness reads, by writing into the state.

`backward = next_state.torso_velocity[:, 0]; backward *= -1.0` used to reach the task fitness
too, which was computed after the reward from the same arrays: a cheetah running backwards
scored as running forwards (25.0 and "success" on cheetah-run). Contained: every array a reward
receives is sealed (read-only for good), so numpy refuses the write and the candidate fails
with the line; the fitness is computed from states the reward never receives anyway.

expect: runtime
expect-unchecked: runtime
error: ValueError.*read-only
error-unchecked: ValueError.*read-only
"""
import numpy as np


def compute_reward(state, action, next_state):
    backward = next_state.torso_velocity[:, 0]
    backward *= -1.0
    return backward, {"backward": backward}
