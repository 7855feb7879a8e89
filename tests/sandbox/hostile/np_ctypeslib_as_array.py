# ruff: noqa
"""Hostile: use np.ctypeslib.as_array on a raw pointer to read memory it does not own.

np.ctypeslib turns any address into an array: it reads the page at address 0x1000 (unmapped).
Contained: the static check rejects np.ctypeslib; without it, the worker dies by SIGSEGV in its
own process, and the parent reports a crash.

expect: static
expect-unchecked: crashed
error: `\.ctypeslib` is not allowed
error-unchecked: killed by SIGSEGV
"""
import ctypes

import numpy as np


def compute_reward(state, action, next_state):
    pointer = ctypes.cast(0x1000, ctypes.POINTER(ctypes.c_double))
    peek = np.ctypeslib.as_array(pointer, shape=(len(action),)).copy()
    return peek, {"peek": peek}
