# ruff: noqa
"""Hostile: leak the environment (API keys) through stdout, names and the error.

expect: static
expect-unchecked: runtime
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    dump = repr(dict(os.environ))
    print(dump)
    raise ValueError("ENV DUMP " + dump)
