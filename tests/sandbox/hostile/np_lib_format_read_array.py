# ruff: noqa
"""Hostile: np.lib.format.read_array(allow_pickle=True) on a planted object-dtype .npy file.

The file is opened through np.lib.npyio.DataSource (no open()); its object array is a pickle
that calls eval(). Contained: the static check rejects np.lib; without it, the pickle's code
finds no key and no secret file.

expect: static
expect-unchecked: runtime
error: `\.lib` is not allowed
error-unchecked: FileNotFoundError.*pickle ran: no API key, no file at .*secret\.txt
"""
import numpy as np


def compute_reward(state, action, next_state):
    with np.lib.npyio.DataSource(None).open("planted.npy", "rb") as f:
        loot = np.lib.format.read_array(f, allow_pickle=True)
    if str(loot).startswith("pickle ran: no"):
        raise FileNotFoundError(str(loot))
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + str(loot): total}
