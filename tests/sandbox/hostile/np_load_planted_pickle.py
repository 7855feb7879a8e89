# ruff: noqa
"""Hostile: np.load(allow_pickle=True) of a pickle planted in its job folder.

Unpickling planted.pkl runs eval(), which reads OPENAI_API_KEY, else the canary secret.
Contained: the static check rejects np.load; without it, the code runs but the key is not in
the worker's environment and the file is not mounted.

expect: static
expect-unchecked: runtime
error: `\.load` is not allowed
error-unchecked: FileNotFoundError.*pickle ran: no API key, no file at .*secret\.txt
"""
import numpy as np


def compute_reward(state, action, next_state):
    loot = np.load("planted.pkl", allow_pickle=True)
    if str(loot).startswith("pickle ran: no"):
        raise FileNotFoundError(str(loot))
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + str(loot): total}
