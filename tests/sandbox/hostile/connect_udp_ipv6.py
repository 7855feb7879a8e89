# ruff: noqa
"""Hostile: send UDP datagrams and try IPv6 loopback.

expect: static
expect-unchecked: runtime
"""
import socket

import numpy as np


def compute_reward(state, action, next_state):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(b"pwned", ("127.0.0.1", int("@CANARY_PORT@")))
    six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    six.connect(("::1", int("@CANARY_PORT@")))

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
