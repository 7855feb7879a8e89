# ruff: noqa
"""Hostile: open raw IP, packet and netlink sockets (sniffing, spoofing, interface changes).

Contained: the seccomp filter refuses every socket family but AF_UNIX (EPERM), and the worker
has no capabilities.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*no raw socket: AF_INET: Operation not permitted
"""
import socket

import numpy as np


def compute_reward(state, action, next_state):
    errors = []
    for family, kind, proto in ((socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                                (socket.AF_PACKET, socket.SOCK_RAW, 0x0300),
                                (socket.AF_NETLINK, socket.SOCK_RAW, 0)):
        try:
            socket.socket(family, kind, proto)
            break
        except OSError as e:
            errors.append(f"{family.name}: {e.strerror}")
    else:
        raise PermissionError("no raw socket: " + "; ".join(errors))
    total = next_state.torso_velocity[:, 0]
    return total, {"sniffing": total}
