# ruff: noqa
"""Hostile: connect to unix sockets on the host: a canary listener, docker, dbus, nscd.

AF_UNIX is allowed by the seccomp filter (Python's own machinery uses it). Contained: none of
those paths is mounted inside the sandbox.

expect: static
expect-unchecked: runtime
error-unchecked: FileNotFoundError.*no unix socket reachable
"""
import socket

import numpy as np

PATHS = ["@CANARY_UNIX@", "/var/run/docker.sock", "/run/docker.sock",
         "/run/dbus/system_bus_socket", "/var/run/nscd/socket", "/run/systemd/private"]


def compute_reward(state, action, next_state):
    errors = []
    for path in PATHS:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            sock.sendall(b"pwned")
            break
        except OSError as e:
            errors.append(f"{path}: {e.strerror}")
    else:
        raise FileNotFoundError("no unix socket reachable: " + "; ".join(errors))
    total = next_state.torso_velocity[:, 0]
    return total, {"connected": total}
