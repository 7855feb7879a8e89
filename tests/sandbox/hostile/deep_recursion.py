# ruff: noqa
"""Hostile: recurse without end.

expect: runtime
expect-unchecked: runtime
"""
import numpy as np


def dive(n):
    return dive(n + 1) + 1


def compute_reward(state, action, next_state):
    return dive(0), {}
