# ruff: noqa
"""Hostile: fork through libc directly (no Python wrapper to refuse), in an endless loop.

Contained: the smoke job's seccomp filter refuses a clone without CLONE_THREAD (EPERM); were it
allowed, RLIMIT_NPROC and the pids cgroup bound it.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*fork: Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)


def compute_reward(state, action, next_state):
    while True:
        if libc.fork() == -1:
            errno = ctypes.get_errno()
            raise PermissionError(errno, f"fork: {os.strerror(errno)}")
