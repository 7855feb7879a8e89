# ruff: noqa
"""Hostile: return an ndarray subclass whose __array__, __float__ and shape lie.

Its data is (B, 2); __array__ and __float__ claim a well-formed (B,) reward, and `shape` says
(B,). Contained: the contract check reads the array's own data (np.asarray does not call
__array__ on an ndarray subclass) and rejects the shape.

expect: static
expect-unchecked: contract
error: dunder
error-unchecked: has shape \(\d+, 2\)
"""
import numpy as np


class Liar(np.ndarray):
    def __array__(self, dtype=None, copy=None):
        return np.zeros(len(self))

    def __float__(self):
        return 0.0

    @property
    def shape(self):
        return (len(self),)


def compute_reward(state, action, next_state):
    both = np.stack([next_state.torso_velocity[:, 0]] * 2, axis=1).view(Liar)
    return both, {"both": both}
