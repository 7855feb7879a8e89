# ruff: noqa
"""Hostile: return an object whose __array_ufunc__ says every value is finite; they are inf.

An object with __array_ufunc__ answers numpy's ufuncs itself: np.isfinite(x) would be True.
Contained: the contract check converts with np.asarray first (through __array__, into a plain
float array) and then runs np.isfinite on that, which finds the infinities.

expect: static
expect-unchecked: contract
error: dunder
error-unchecked: non-finite value
"""
import numpy as np


class Forged:
    def __init__(self, n):
        self.n = n

    def __array__(self, dtype=None, copy=None):
        return np.full(self.n, np.inf)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(self.n, dtype=bool)

    def __len__(self):
        return self.n


def compute_reward(state, action, next_state):
    total = Forged(len(action))
    return total, {"forged": total}
