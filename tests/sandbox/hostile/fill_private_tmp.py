# ruff: noqa
"""Hostile: fill the disk through /tmp, /dev/shm and /var/tmp, 1 MB at a time.

Contained: /tmp is the sandbox's private 64 MB tmpfs (ENOSPC), /dev/shm is read-only for the
sandbox uid, /var/tmp does not exist; nothing reaches the host's disk.

expect: static
expect-unchecked: runtime
error-unchecked: OSError.*No space left on device
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    block = b"x" * (1 << 20)
    for folder in ("/dev/shm", "/var/tmp"):
        try:
            open(os.path.join(folder, "fill"), "wb").write(block)
        except OSError:
            pass
    with open("/tmp/fill", "wb") as f:
        for _ in range(4096):
            f.write(block)
            f.flush()
    total = next_state.torso_velocity[:, 0]
    return total, {"filled": total}
