# ruff: noqa
"""Hostile: attach to its parent and to pid 1 with ptrace, to read memory or inject code.

Contained: the seccomp filter refuses ptrace (EPERM) before the kernel even checks
permissions, and the worker has no capabilities.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*ptrace\(16, 1\): Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206


def compute_reward(state, action, next_state):
    for request, pid in ((PTRACE_ATTACH, os.getppid()), (PTRACE_SEIZE, 1)):
        if libc.ptrace(request, pid, None, None) == -1:
            errno = ctypes.get_errno()
            raise PermissionError(errno, f"ptrace({request}, {pid}): {os.strerror(errno)}")
    total = next_state.torso_velocity[:, 0]
    return total, {"attached": total}
