# ruff: noqa
"""Hostile: change its own module globals on every call, so later calls score differently.

Passes the static check (a `global` counter is ordinary Python). Contained: the smoke test's
determinism check calls it twice on the same transitions and rejects the drift.

expect: smoke
expect-unchecked: smoke
error: not deterministic
error-unchecked: not deterministic
"""
import numpy as np

CALLS = 0


def compute_reward(state, action, next_state):
    global CALLS
    CALLS += 1
    forward = next_state.torso_velocity[:, 0]
    bonus = np.full(len(action), 0.1 * CALLS)
    return forward + bonus, {"forward": forward, "bonus": bonus}
