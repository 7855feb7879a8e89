# ruff: noqa
"""Hostile: raise SystemExit instead of returning.

expect: runtime
expect-unchecked: runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    raise SystemExit(0)
