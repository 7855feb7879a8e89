# ruff: noqa
"""Hostile: escape its root through /proc/self/root, /proc/1/root and /proc/self/cwd/.. .

Walks out of the job folder through /proc links to reach the canary secret and the root-owned
file next to the job. Contained: /proc/self/root is the sandbox's own root (the secret is not
in it), pid 1 is the sandbox's own init (not ours to read), and the parent folders are empty.

expect: static
expect-unchecked: runtime
error: forbidden-name
error-unchecked: FileNotFoundError.*nothing read through /proc
"""
import os

import numpy as np

TARGETS = ["@SECRET_FILE@", "@NEIGHBOUR_FILE@"]


def compute_reward(state, action, next_state):
    loot, errors = [], []
    for target in TARGETS:
        rel = os.path.relpath(target, os.getcwd())
        for path in (f"/proc/self/root{target}", f"/proc/1/root{target}",
                     f"/proc/self/cwd/{rel}", f"/proc/{os.getppid()}/cwd/{rel}",
                     f"/proc/thread-self/root{target}"):
            try:
                loot.append(open(path).read())
            except OSError as e:
                errors.append(f"{path}: {e.strerror}")
    if not loot:
        raise FileNotFoundError("nothing read through /proc: " + "; ".join(errors[:5]))
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + " ".join(loot)[:500]: total}
