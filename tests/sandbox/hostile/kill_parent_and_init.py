# ruff: noqa
"""Hostile: SIGKILL its parent, pid 1, a victim process on the host, and every pid it can see.

The test keeps a victim process (a sleep) running outside the sandbox and passes its host pid;
the parent (pytest) must survive too. Contained: the pid namespace hides the host's processes
(the victim's pid means nothing inside), and the sandbox's own init is root-owned (EPERM).

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*no kill landed: pid 1: Operation not permitted
"""
import os
import signal

import numpy as np


def compute_reward(state, action, next_state):
    targets = [os.getppid(), 1, int("@VICTIM_PID@")]
    targets += [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    errors = []
    for pid in dict.fromkeys(targets):
        try:
            os.kill(pid, signal.SIGKILL)
            if pid != os.getpid():
                raise RuntimeError(f"killed pid {pid}")
        except OSError as e:
            errors.append(f"pid {pid}: {e.strerror}")
    raise PermissionError("no kill landed: " + "; ".join(errors))
