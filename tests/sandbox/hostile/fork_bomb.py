# ruff: noqa
"""Hostile: fork in an endless loop.

expect: static
expect-unchecked: runtime crashed
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    while True:
        os.fork()
