# ruff: noqa
"""Hostile: keep state between calls in a module-level list and a function attribute.

No `global` statement: it appends to a list and sets an attribute on compute_reward itself, and
scales the reward by how many calls it has seen. Contained: the determinism check of the smoke
test catches it.

expect: smoke
expect-unchecked: smoke
error: not deterministic
error-unchecked: not deterministic
"""
import numpy as np

HISTORY = []


def compute_reward(state, action, next_state):
    HISTORY.append(len(action))
    compute_reward.scale = 1.0 + len(HISTORY)
    forward = next_state.torso_velocity[:, 0] * compute_reward.scale
    ctrl = -0.1 * np.sum(action ** 2, axis=1)
    return forward + ctrl, {"forward": forward, "ctrl": ctrl}
