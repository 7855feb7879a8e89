# ruff: noqa
"""Hostile: kill every process it may signal, then its own process group.

expect: static
expect-unchecked: crashed
"""
import os
import signal

import numpy as np


def compute_reward(state, action, next_state):
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)
