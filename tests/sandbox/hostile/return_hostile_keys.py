# ruff: noqa
"""Hostile: name a component with an object whose __str__ raises and whose __repr__ is 10 MB.

The job turns component names into strings for its report and error messages. Contained: the
exception surfaces as the candidate's runtime error (it is raised in reward.py), not as a
failure of the job, and no 10 MB name reaches the result.

expect: static
expect-unchecked: runtime
error: dunder
error-unchecked: RuntimeError.*hostile __str__
"""
import numpy as np


class Key:
    def __str__(self):
        raise RuntimeError("hostile __str__")

    def __repr__(self):
        return "K" * 10_000_000

    def __hash__(self):
        return 1


def compute_reward(state, action, next_state):
    total = next_state.torso_velocity[:, 0]
    return total, {Key(): total}
