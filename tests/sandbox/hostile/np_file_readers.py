# ruff: noqa
"""Hostile: read secrets with numpy's text readers: genfromtxt, loadtxt, fromregex, DataSource.

Targets the canary secret, pid 1's environment and the neighbour file. Contained: the static
check rejects every reader; without it, none of the files is readable in the sandbox.

expect: static
expect-unchecked: runtime
error: forbidden-attribute
error-unchecked: OSError.*nothing read: .*not found
"""
import numpy as np

PATHS = ["@SECRET_FILE@", "/proc/1/environ", "@NEIGHBOUR_FILE@"]


def compute_reward(state, action, next_state):
    readers = [lambda p: np.genfromtxt(p, dtype=str), lambda p: np.loadtxt(p, dtype=str),
               lambda p: np.fromregex(p, r"(\S+)", [("w", "U64")]),
               lambda p: np.lib.npyio.DataSource(None).open(p).read()]
    errors = []
    for path in PATHS:
        for read in readers:
            try:
                loot = read(path)
                total = next_state.torso_velocity[:, 0]
                return total, {"loot " + str(loot)[:300]: total}
            except OSError as e:
                errors.append(f"{path}: {e.strerror or e}")
    raise OSError("nothing read: " + "; ".join(errors[:4]))
