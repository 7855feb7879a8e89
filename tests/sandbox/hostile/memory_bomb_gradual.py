# ruff: noqa
"""Hostile: grow memory 80 MB at a time until something breaks.

expect: memory
expect-unchecked: memory
"""
import numpy as np


def compute_reward(state, action, next_state):
    chunks = []
    while True:
        chunks.append(np.ones(10 ** 7))
