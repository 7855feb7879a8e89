# ruff: noqa
"""Hostile: set up an io_uring, whose operations (open, connect, ...) bypass seccomp rules.

io_uring performs file and socket operations without the matching syscalls, so a filter that
allows io_uring_setup allows everything. Contained: the filter refuses io_uring_setup (EPERM).

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*io_uring_setup: Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
SYS_io_uring_setup = 425


def compute_reward(state, action, next_state):
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    if libc.syscall(SYS_io_uring_setup, 8, params) == -1:
        errno = ctypes.get_errno()
        raise PermissionError(errno, f"io_uring_setup: {os.strerror(errno)}")
    total = next_state.torso_velocity[:, 0]
    return total, {"ring": total}
