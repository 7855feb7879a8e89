# ruff: noqa
"""Hostile: sleep in select() with signals blocked, so nothing but SIGKILL ends it.

Contained: the parent SIGKILLs the whole sandbox at its wall-time limit.

expect: static
expect-unchecked: timeout
error-unchecked: did not finish within its wall-time limit
wall-s: 4
"""
import select
import signal

import numpy as np


def compute_reward(state, action, next_state):
    signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL,
                                                                    signal.SIGSTOP})
    select.select([], [], [], 10 ** 6)
