# ruff: noqa
"""Hostile: read another process's memory through /proc/<pid>/mem and /proc/<pid>/maps.

Contained: the other processes in its pid namespace are root-owned, and the parent outside it
has no pid here at all.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*/proc/1/(mem|maps)
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    with open("/proc/1/maps") as f:
        first = f.readline().split()[0].split("-")
    with open("/proc/1/mem", "rb") as f:
        f.seek(int(first[0], 16))
        loot = f.read(4096)
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + loot.hex()[:200]: total}
