# ruff: noqa
"""Hostile: climb sys._getframe() to the worker's module frame and use what its globals hold.

The worker's globals hold os, resource and the seccomp helper: it tries to become root
(os.setuid(0)) and to lift its hard RLIMIT_NPROC. Contained: the worker has no capabilities, a
hard limit cannot be raised, and the seccomp filter, once loaded, cannot be removed.

expect: static
expect-unchecked: runtime
error: private-attribute
error-unchecked: PermissionError.*Operation not permitted
"""
import sys

import numpy as np


def compute_reward(state, action, next_state):
    frame = sys._getframe()
    while frame.f_back is not None:
        frame = frame.f_back
    worker = frame.f_globals
    try:
        limits = worker["resource"]
        limits.setrlimit(limits.RLIMIT_NPROC, (limits.RLIM_INFINITY, limits.RLIM_INFINITY))
    except (KeyError, ValueError):
        pass
    worker["os"].setuid(0)
    total = next_state.torso_velocity[:, 0]
    return total, {"root": total}
