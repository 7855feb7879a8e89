# ruff: noqa
"""Hostile: create a userfaultfd (a classic helper to win kernel races), by syscall and device.

Contained: the seccomp filter refuses the syscall (EPERM), and /dev/userfaultfd does not exist
in the sandbox's minimal /dev.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*userfaultfd: Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
SYS_userfaultfd = 323


def compute_reward(state, action, next_state):
    try:
        os.open("/dev/userfaultfd", os.O_RDWR)
    except OSError:
        pass
    if libc.syscall(SYS_userfaultfd, os.O_CLOEXEC | os.O_NONBLOCK) == -1:
        errno = ctypes.get_errno()
        raise PermissionError(errno, f"userfaultfd: {os.strerror(errno)}")
    total = next_state.torso_velocity[:, 0]
    return total, {"uffd": total}
