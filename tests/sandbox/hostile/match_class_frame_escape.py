# ruff: noqa
"""Hostile: walk generator frames with match class patterns (gi_frame, f_back, f_globals).

No dunder anywhere in the pattern keywords but f_globals; it then opens the canary secret with
the builtins it found. Contained in the checked mode by the forbidden-attribute rule on pattern
keywords; without it, the file is not mounted.

expect: static
expect-unchecked: runtime
error: case object\(gi_frame=\.\.\.\)
error-unchecked: FileNotFoundError
"""
import numpy as np


def compute_reward(state, action, next_state):
    def gen():
        yield

    match gen():
        case object(gi_frame=object(f_back=None, f_globals=module)):
            pass
    builtins = module["__builtins__"]
    opener = builtins["open"] if isinstance(builtins, dict) else builtins.open
    with opener("@SECRET_FILE@") as f:
        loot = f.read()
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + loot: total}
