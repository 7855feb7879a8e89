# ruff: noqa
"""Hostile: lower the recursion limit to just above its own depth, to break the trusted job.

The job's own code (validation, JSON encoding of the result) runs deeper than compute_reward;
a limit that lets the candidate return but trips the job must still give a clear result.
Contained: the worker maps the RecursionError to a runtime error and writes its result.

expect: static
expect-unchecked: runtime
error: forbidden-attribute
error-unchecked: recursed too deeply
"""
import sys

import numpy as np


def compute_reward(state, action, next_state):
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    sys.setrecursionlimit(depth + 2)
    total = next_state.torso_velocity[:, 0]
    return total, {"forward": total}
