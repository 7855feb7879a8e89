# ruff: noqa
"""Hostile: copy another process's memory with process_vm_readv (no ptrace attach needed).

Contained: the seccomp filter refuses process_vm_readv and process_vm_writev (EPERM).

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*process_vm_readv\(1\): Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
SYS_process_vm_readv = 310


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def compute_reward(state, action, next_state):
    buffer = ctypes.create_string_buffer(4096)
    local = IoVec(ctypes.cast(buffer, ctypes.c_void_p), 4096)
    remote = IoVec(0x400000, 4096)
    for pid in (os.getppid(), 1):
        if libc.syscall(SYS_process_vm_readv, pid, ctypes.byref(local), 1,
                        ctypes.byref(remote), 1, 0) == -1:
            errno = ctypes.get_errno()
            raise PermissionError(errno, f"process_vm_readv({pid}): {os.strerror(errno)}")
    total = next_state.torso_velocity[:, 0]
    return total, {"stolen": total}
