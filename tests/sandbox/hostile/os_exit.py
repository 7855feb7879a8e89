# ruff: noqa
"""Hostile: end the process with os._exit(0) before any result exists.

expect: static
expect-unchecked: crashed
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    os._exit(0)
