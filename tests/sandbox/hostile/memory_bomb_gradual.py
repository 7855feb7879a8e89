# ruff: noqa
"""Hostile: grow memory 80 MB at a time until something breaks.

It takes a few seconds on a quiet machine; with the suite and two trainings sharing 2 cores it
once passed the default 10 s wall limit before the memory cap (a `timeout`, not what this
program tests), so it gets more wall time: the memory limit must be what stops it.

expect: memory
expect-unchecked: memory
wall-s: 30
"""
import numpy as np


def compute_reward(state, action, next_state):
    chunks = []
    while True:
        chunks.append(np.ones(10 ** 7))
