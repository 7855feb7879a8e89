# ruff: noqa
"""Hostile: chdir into /proc/1/cwd and /proc/1/root (the host's init, it hopes) and look around.

Contained: pid 1 in the sandbox's pid namespace is bwrap's init, owned by root; the sandbox uid
may not follow its links.

expect: static
expect-unchecked: runtime
error-unchecked: PermissionError.*\/proc\/1
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    os.chdir("/proc/1/cwd")
    listing = os.listdir("/proc/1/root/etc")
    with open("/proc/1/root@NEIGHBOUR_FILE@") as f:
        loot = f.read()
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + loot + " ".join(listing)[:300]: total}
