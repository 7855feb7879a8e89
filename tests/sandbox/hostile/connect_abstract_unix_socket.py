# ruff: noqa
"""Hostile: connect to an abstract unix socket of the host (no file, so no mount can hide it).

Abstract unix sockets live in the network namespace, not in the file system. Contained: the
sandbox has its own network namespace, so the host's abstract names do not exist there.

expect: static
expect-unchecked: runtime
error-unchecked: ConnectionRefusedError
"""
import socket

import numpy as np


def compute_reward(state, action, next_state):
    dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        dgram.sendto(b"pwned", "\0@CANARY_ABSTRACT@-dgram")
    except OSError:
        pass
    stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stream.connect("\0@CANARY_ABSTRACT@")
    stream.sendall(b"pwned")
    total = next_state.torso_velocity[:, 0]
    return total, {"connected": total}
