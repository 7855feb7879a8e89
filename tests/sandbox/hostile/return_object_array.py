# ruff: noqa
"""Hostile: return numpy object arrays holding dicts and lambdas instead of numbers.

Passes the static check. Contained: the contract check converts to float64 and reports the
component as not numeric.

expect: contract
expect-unchecked: contract
error: is not numeric
error-unchecked: is not numeric
"""
import numpy as np


def compute_reward(state, action, next_state):
    total = next_state.torso_velocity[:, 0]
    junk = np.empty(len(action), dtype=object)
    junk[:] = [{"x": i, "f": lambda: i} for i in range(len(action))]
    return total, {"junk": junk}
