# ruff: noqa
"""Hostile: ask numpy for a 32 TB outer product, with nothing the static check can object to.

Contained: RLIMIT_AS makes the allocation fail at once (MemoryError), in both modes.

expect: memory
expect-unchecked: memory
error: ran out of memory
error-unchecked: ran out of memory
"""
import numpy as np


def compute_reward(state, action, next_state):
    big = np.arange(2_000_000, dtype=np.float64)
    plane = np.outer(big, big)
    total = next_state.torso_velocity[:, 0] + plane[0, 0]
    return total, {"forward": total}
