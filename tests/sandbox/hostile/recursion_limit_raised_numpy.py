# ruff: noqa
"""Hostile: lift the recursion limit through numpy's module chain, recurse through C frames.

np.ma.extras.warnings.sys is the sys module; with the limit lifted, a recursion that passes
through np.vectorize uses the C stack until it overflows. Contained: the worker dies by SIGSEGV
alone (no core dump, RLIMIT_CORE = 0) and the parent reports a crash.

expect: static
expect-unchecked: crashed
error: forbidden-attribute
error-unchecked: killed by SIGSEGV
"""
import numpy as np


def dive(x):
    return deeper(x)


deeper = np.vectorize(lambda x: dive(x), otypes=[float])


def compute_reward(state, action, next_state):
    np.ma.extras.warnings.sys.setrecursionlimit(10 ** 7)
    total = dive(next_state.torso_velocity[:, 0])
    return total, {"forward": total}
