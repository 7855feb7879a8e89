# ruff: noqa
"""Hostile: start a shell by posix_spawn, spawnv and a multiprocessing pool (not os.fork).

Each takes another path to a new process (vfork-style clone, fork + exec, fork plus a
semaphore in /dev/shm). Contained: the smoke job's seccomp filter refuses new processes and
execve, and /dev/shm is not writable.

expect: static
expect-unchecked: runtime
error-unchecked: OSError.*no process started: posix_spawn: Operation not permitted
"""
import multiprocessing
import os

import numpy as np


def compute_reward(state, action, next_state):
    errors = []
    attempts = {
        "posix_spawn": lambda: os.posix_spawn("/bin/sh", ["sh", "-c", "echo pwned"], {}),
        "spawnv": lambda: os.spawnv(os.P_WAIT, "/bin/sh", ["sh", "-c", "exit 0"]),
        "pool": lambda: multiprocessing.Pool(4),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            break
        except OSError as e:
            errors.append(f"{name}: {e.strerror}")
    else:
        raise OSError("no process started: " + "; ".join(errors))
    total = next_state.torso_velocity[:, 0]
    return total, {"spawned": total}
