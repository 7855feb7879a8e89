# ruff: noqa
"""Hostile: grow the batch by np.tile and np.broadcast_to(...).copy() to hundreds of gigabytes.

Contained: RLIMIT_AS; numpy raises MemoryError (ArrayMemoryError) and the worker reports it.

expect: memory
expect-unchecked: memory
error: ran out of memory
error-unchecked: ran out of memory
"""
import numpy as np


def compute_reward(state, action, next_state):
    wide = np.broadcast_to(action[:, :1], (len(action), 10 ** 9)).copy()
    tall = np.tile(action, (10 ** 6, 10 ** 3))
    total = wide.sum(axis=1) + tall[: len(action), 0]
    return total, {"forward": total}
