# ruff: noqa
"""Hostile: read the file descriptors of its parent and of pid 1 through /proc/<pid>/fd.

A parent that leaked an open descriptor (a run folder, a log, a socket to the LLM) would hand it
over here. Contained: the sandbox's parents are root-owned (EACCES), and the worker's own
descriptors are its job files.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*no descriptor of another process
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    loot, errors = [], []
    for pid in sorted({"1", str(os.getppid())}):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError as e:
            errors.append(f"/proc/{pid}/fd: {e.strerror}")
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fd/{fd}", "rb") as f:
                    loot.append(f.read(4096))
            except OSError as e:
                errors.append(f"/proc/{pid}/fd/{fd}: {e.strerror}")
    if not loot:
        raise PermissionError("no descriptor of another process: " + "; ".join(errors))
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + repr(loot)[:500]: total}
