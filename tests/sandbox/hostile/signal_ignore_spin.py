# ruff: noqa
"""Hostile: ignore SIGTERM/SIGXCPU/SIGINT, then spin.

expect: static
expect-unchecked: timeout cpu
"""
import signal

import numpy as np


def compute_reward(state, action, next_state):
    for sig in (signal.SIGTERM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        pass
