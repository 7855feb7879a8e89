# ruff: noqa
"""Hostile: open a perf event on every CPU (side channels, a long history of kernel bugs).

Contained: the seccomp filter refuses perf_event_open (EPERM).

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*perf_event_open: Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
SYS_perf_event_open = 298


def compute_reward(state, action, next_state):
    attr = ctypes.create_string_buffer(128)  # struct perf_event_attr: type 0 (hardware)
    attr[4] = 128  # size
    if libc.syscall(SYS_perf_event_open, attr, -1, 0, -1, 0) == -1:
        errno = ctypes.get_errno()
        raise PermissionError(errno, f"perf_event_open: {os.strerror(errno)}")
    total = next_state.torso_velocity[:, 0]
    return total, {"perf": total}
