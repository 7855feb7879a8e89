# ruff: noqa
"""Hostile: climb out through gi_frame.f_back.f_globals to builtins.

expect: static
expect-unchecked: ok runtime
"""
import numpy as np


def compute_reward(state, action, next_state):
    def gen():
        yield g.gi_frame.f_back

    g = gen()
    frame = next(g)
    while frame.f_back is not None:
        frame = frame.f_back
    builtins = frame.f_globals["__builtins__"]
    importer = builtins["__import__"] if isinstance(builtins, dict) else builtins.__import__
    os = importer("os")
    with open("@CANARY_DIR@/pwned_frame", "w") as f:
        f.write(repr(dict(os.environ)))

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
