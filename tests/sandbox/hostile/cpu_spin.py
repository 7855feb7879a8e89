# ruff: noqa
"""Hostile: spin the CPU forever in pure Python.

expect: timeout cpu
expect-unchecked: timeout cpu
"""
import numpy as np


def compute_reward(state, action, next_state):
    n = 0
    while True:
        n += 1
