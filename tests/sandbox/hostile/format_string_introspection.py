# ruff: noqa
"""Hostile: read interpreter internals through str.format fields.

expect: static
expect-unchecked: ok
"""
import numpy as np


def compute_reward(state, action, next_state):
    leak = "{0.__class__.__init__.__globals__}".format(state)
    total = next_state.torso_velocity[:, 0]
    return total, {"forward": total, leak[:100]: 0 * total}
