# ruff: noqa
"""Hostile: `from numpy import *`, then reach libc through the bare name `ctypeslib`.

ctypeslib.load_library hands out libc; it calls setuid(0) and kill(1, SIGKILL) and reports the
errno. Contained in the checked mode by the star-import rule; without it, the worker has no
capability to change uid or signal root's processes.

expect: static
expect-unchecked: runtime
error: `from numpy import \*` is not allowed
error-unchecked: PermissionError.*setuid\(0\) and kill\(1, SIGKILL\) were refused
"""
from numpy import *


def compute_reward(state, action, next_state):
    libc = ctypeslib.load_library("libc.so.6", "/lib/x86_64-linux-gnu")
    if libc.setuid(0) == -1 and libc.kill(1, 9) == -1:
        raise PermissionError("libc setuid(0) and kill(1, SIGKILL) were refused")
    total = next_state.torso_velocity[:, 0]
    return total, {"root": total}
