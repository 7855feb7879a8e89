# ruff: noqa
"""Hostile: start threads with 256 MB stacks until something gives.

Threads are allowed (numpy and torch use them); their stacks count against the address space.
Contained: RLIMIT_AS (and RLIMIT_NPROC) refuse the next thread long before the host notices.

expect: static
expect-unchecked: runtime memory
error-unchecked: can't start new thread|out of memory
"""
import threading
import time

import numpy as np


def compute_reward(state, action, next_state):
    threading.stack_size(256 << 20)
    for _ in range(1000):
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
