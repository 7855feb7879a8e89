# ruff: noqa
"""Hostile: `from numpy import *`, then load a planted pickle with the bare name `load`.

The star import binds load, fromfile, memmap, ctypeslib and testing as plain names, which an
attribute check never sees. The test plants planted.pkl in the job folder: unpickling it calls
eval(), which reads OPENAI_API_KEY, else the canary secret. Contained in the checked mode by
the star-import rule; without it, the pickle's code runs but finds no key and no file.

expect: static
expect-unchecked: runtime
error: `from numpy import \*` is not allowed
error-unchecked: FileNotFoundError.*pickle ran: no API key, no file at .*secret\.txt
"""
from numpy import *


def compute_reward(state, action, next_state):
    loot = load("planted.pkl", allow_pickle=True)
    if str(loot).startswith("pickle ran: no"):
        raise FileNotFoundError(str(loot))
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + str(loot): total}
