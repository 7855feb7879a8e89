# ruff: noqa
"""Hostile: build a 100 GB bytes object from a one-line expression.

Contained: RLIMIT_AS makes the allocation fail (MemoryError), in both modes.

expect: memory
expect-unchecked: memory
error: ran out of memory
error-unchecked: ran out of memory
"""
import numpy as np


def compute_reward(state, action, next_state):
    blob = b"x" * 10 ** 11
    total = next_state.torso_velocity[:, 0] + len(blob)
    return total, {"forward": total}
