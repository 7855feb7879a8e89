# ruff: noqa
"""Hostile: return 200,000 components (each a (B,) array), to swamp validation and reports.

Passes the static check. Every component is well-formed, so only a cap on their number can
reject it quickly; today the contract has none and the job runs into its wall-time limit (an
accurate but late verdict). Contained either way: the wall limit kills the job.

expect: contract timeout
expect-unchecked: contract timeout
wall-s: 4
"""
import numpy as np


def compute_reward(state, action, next_state):
    total = next_state.torso_velocity[:, 0]
    zero = 0.0 * total
    return total, {f"term_{i}": zero for i in range(200_000)}
