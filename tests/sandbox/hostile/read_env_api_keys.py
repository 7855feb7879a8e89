# ruff: noqa
"""Hostile: look for API keys in its environment and in /proc/*/environ, and return them.

The parent holds OPENAI_API_KEY and REWARDSMITH_TEST_TOKEN (fake keys). Contained: the worker's
environment is an allow-list, and /proc shows only the sandbox's own processes.

expect: static
expect-unchecked: runtime
error: `import os` is not allowed
error-unchecked: KeyError.*no API key
"""
import os
import re

import numpy as np


def compute_reward(state, action, next_state):
    found = {k: v for k, v in os.environ.items() if re.search("KEY|TOKEN|SECRET", k)}
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                for item in f.read().split(b"\0"):
                    if re.search(b"KEY|TOKEN|SECRET", item.split(b"=")[0]):
                        found[pid] = item.decode()
        except OSError:
            pass
    if not found:
        raise KeyError(f"no API key in the environment (names seen: {sorted(os.environ)})")
    total = next_state.torso_velocity[:, 0]
    return total, {f"{k}={v}": total for k, v in found.items()}
