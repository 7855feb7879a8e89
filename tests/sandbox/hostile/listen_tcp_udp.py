# ruff: noqa
"""Hostile: open listening TCP and UDP sockets (IPv4 and IPv6) for someone to connect to.

A reward that listens could serve as a foothold for another process on the host. Contained: the
seccomp filter refuses every socket that is not AF_UNIX, and the network namespace has only its
own loopback.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*Operation not permitted
"""
import socket

import numpy as np


def compute_reward(state, action, next_state):
    opened = []
    for family, kind, host in ((socket.AF_INET, socket.SOCK_STREAM, "0.0.0.0"),
                               (socket.AF_INET, socket.SOCK_DGRAM, "0.0.0.0"),
                               (socket.AF_INET6, socket.SOCK_STREAM, "::")):
        sock = socket.socket(family, kind)
        sock.bind((host, int("@CANARY_PORT@") + 1))
        if kind == socket.SOCK_STREAM:
            sock.listen(8)
        opened.append(sock)
    total = next_state.torso_velocity[:, 0]
    return total, {"listening": total * len(opened)}
