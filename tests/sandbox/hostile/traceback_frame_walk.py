# ruff: noqa
"""Hostile: raise, catch, and climb the traceback's frames to __import__ (no sys, no inspect).

Contained in the checked mode by the dunder rule; without it, os is reached but seccomp
refuses the clone behind os.system(), which glibc reports as the shell's exit status 127
(status 32512), and the program reports that.

expect: static
expect-unchecked: runtime
error: dunder
error-unchecked: RuntimeError.*system\(\) could not run the shell \(status 32512\)
"""
import numpy as np


def compute_reward(state, action, next_state):
    try:
        raise ValueError
    except ValueError as error:
        frame = error.__traceback__.tb_frame
    while frame.f_back is not None:
        frame = frame.f_back
    builtins = frame.f_globals["__builtins__"]
    importer = builtins["__import__"] if isinstance(builtins, dict) else builtins.__import__
    status = importer("os").system("echo pwned > @CANARY_DIR@/pwned_traceback")
    if status != 0:
        raise RuntimeError(f"system() could not run the shell (status {status})")
    total = next_state.torso_velocity[:, 0]
    return total, {"shell": total}
