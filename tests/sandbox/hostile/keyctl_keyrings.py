# ruff: noqa
"""Hostile: read the kernel keyrings (where some hosts keep credentials) with keyctl.

Contained: the seccomp filter refuses keyctl, add_key and request_key (EPERM).

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*keyctl\(GET_KEYRING_ID, -3\): Operation not permitted
"""
import ctypes
import os

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
SYS_keyctl, SYS_request_key = 250, 249
KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING = 0, -3, -4


def compute_reward(state, action, next_state):
    for ring in (KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING):
        if libc.syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, ring, 0) == -1:
            errno = ctypes.get_errno()
            raise PermissionError(errno, f"keyctl(GET_KEYRING_ID, {ring}): "
                                  f"{os.strerror(errno)}")
    libc.syscall(SYS_request_key, b"user", b"api-key", None, 0)
    total = next_state.torso_velocity[:, 0]
    return total, {"keys": total}
