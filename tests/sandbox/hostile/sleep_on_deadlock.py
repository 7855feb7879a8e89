# ruff: noqa
"""Hostile: deadlock on a lock it already holds, in a thread the worker waits for.

Contained: the parent SIGKILLs the whole sandbox at its wall-time limit, threads included.

expect: static
expect-unchecked: timeout
error-unchecked: did not finish within its wall-time limit
wall-s: 4
"""
import threading

import numpy as np

LOCK = threading.Lock()


def compute_reward(state, action, next_state):
    LOCK.acquire()
    worker = threading.Thread(target=LOCK.acquire)
    worker.start()
    worker.join()
