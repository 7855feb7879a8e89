# ruff: noqa
"""Hostile: reach os.system through object.__subclasses__().

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            system = cls.__init__.__globals__["system"]
            system("echo pwned > @CANARY_DIR@/pwned_subclasses")

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
