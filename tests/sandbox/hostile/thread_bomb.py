# ruff: noqa
"""Hostile: start thousands of threads.

expect: static
expect-unchecked: runtime memory
"""
import threading
import time

import numpy as np


def compute_reward(state, action, next_state):
    for _ in range(10_000):
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()

    total = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    return total, {"forward": next_state.torso_velocity[:, 0],
                   "ctrl": -0.1 * np.sum(action ** 2, axis=1)}
