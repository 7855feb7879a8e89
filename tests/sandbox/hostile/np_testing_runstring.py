# ruff: noqa
"""Hostile: run arbitrary source with np.testing.runstring (an exec in numpy's test helpers).

Imported as `from numpy import testing as t`, so no attribute chain names it. The source it
runs imports os and signals pid 1. Contained: the static check rejects the import; without
it, pid 1 is the sandbox's root-owned init (EPERM).

expect: static
expect-unchecked: runtime
error: `from numpy import testing` is not allowed
error-unchecked: PermissionError.*Operation not permitted
"""
from numpy import testing as t

import numpy as np


def compute_reward(state, action, next_state):
    t.runstring("import os, signal; os.kill(1, signal.SIGKILL)", {})
    total = next_state.torso_velocity[:, 0]
    return total, {"forward": total}
