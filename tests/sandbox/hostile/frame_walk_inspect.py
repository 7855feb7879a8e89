# ruff: noqa
"""Hostile: use inspect.stack() to reach the trusted job's locals and builtins.

Reads every caller's locals (the job's arguments, the recorded transitions' path), takes
builtins.open from a frame's globals and tries the canary secret. Contained: the job holds no
secret, and the file is not mounted.

expect: static
expect-unchecked: runtime
error: `import inspect` is not allowed
error-unchecked: FileNotFoundError
"""
import inspect

import numpy as np


def compute_reward(state, action, next_state):
    seen = []
    for info in inspect.stack():
        seen.append(sorted(info.frame.f_locals)[:5])
        builtins = info.frame.f_globals["__builtins__"]
    opener = builtins["open"] if isinstance(builtins, dict) else builtins.open
    with opener("@SECRET_FILE@") as f:
        loot = f.read()
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + loot + repr(seen)[:300]: total}
