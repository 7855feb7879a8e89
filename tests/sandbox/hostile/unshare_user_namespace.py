# ruff: noqa
"""Hostile: gain capabilities in a new user namespace, then mount and chroot its way out.

unshare(CLONE_NEWUSER) makes a process root of its own namespace; from there mount, setns and
chroot are the usual next steps. Contained: the seccomp filter refuses unshare, setns, mount
and chroot (EPERM).

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*unshare\(CLONE_NEWUSER\): Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def compute_reward(state, action, next_state):
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == -1:
        errno = ctypes.get_errno()
        raise PermissionError(errno, f"unshare(CLONE_NEWUSER): {os.strerror(errno)}")
    libc.mount(b"none", b"/", None, 0x2000 | 0x4000, None)  # MS_REMOUNT | MS_BIND
    os.chroot("/proc/1/root")
    total = next_state.torso_velocity[:, 0]
    return total, {"escaped": total}
