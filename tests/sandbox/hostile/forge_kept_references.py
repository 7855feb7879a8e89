# ruff: noqa
"""Hostile: keep the arrays of one step and overwrite them during the next.

A module-level list keeps what the reward was given; at the next call it writes 25.0 into
those arrays (with np.add.at, which numpy lets through on 1-D arrays, and by unlocking them),
hoping they are what the fitness of the earlier step, or a later state, is computed from.
Contained: every state the reward gets is a fresh sealed copy of its own, the fitness of each
step is computed before the reward runs, from other copies, so nothing it keeps is read again.

expect: ok
expect-unchecked: ok
"""
import numpy as np

FORGED = 25.0
kept = []


def compute_reward(state, action, next_state):
    forward = np.array(next_state.torso_velocity[:, 0])
    for old in kept:
        np.add.at(old, np.arange(old.shape[0]), FORGED)
        try:
            old.setflags(write=True)
            old[...] = FORGED
        except ValueError:
            pass
    kept.clear()
    kept.extend([next_state.torso_velocity[:, 0], next_state.joint_angles["bthigh"],
                 state.torso_height, next_state.torso_position[:, 2]])
    cost = -0.1 * np.sum(action ** 2, axis=1)
    return forward + cost, {"forward": forward, "cost": cost}
