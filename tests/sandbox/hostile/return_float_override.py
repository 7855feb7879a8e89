# ruff: noqa
"""Hostile: return a list of objects whose __float__ returns a string (and __index__ raises).

Contained: numpy's conversion refuses a __float__ that returns a non-float; the contract check
reports the total as not numeric.

expect: static
expect-unchecked: contract
error: dunder
error-unchecked: is not numeric.*__float__ returned non-float
"""
import numpy as np


class Number:
    def __float__(self):
        return "1.0"

    def __index__(self):
        raise RuntimeError("no index")


def compute_reward(state, action, next_state):
    total = [Number() for _ in range(len(action))]
    return total, {"fake": total}
