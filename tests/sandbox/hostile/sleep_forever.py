# ruff: noqa
"""Hostile: sleep instead of returning.

expect: static
expect-unchecked: timeout
"""
import time

import numpy as np


def compute_reward(state, action, next_state):
    time.sleep(10 ** 6)
