# ruff: noqa
"""Hostile: lift the recursion limit to overflow the C stack.

expect: static
expect-unchecked: crashed runtime memory cpu timeout
"""
import sys

import numpy as np


def dive(n):
    return dive(n + 1) + 1


def compute_reward(state, action, next_state):
    sys.setrecursionlimit(10 ** 9)
    return dive(0), {}
