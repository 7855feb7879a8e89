# ruff: noqa
"""Hostile: write outside its folder with ndarray.dump, np.save and np.savetxt.

Targets the outside canary folder, the folder of the file next to the job and the repository.
Contained: the static check rejects the writers; without it, none of the folders is mounted.

expect: static
expect-unchecked: runtime
error: `\.dump` is not allowed
error-unchecked: FileNotFoundError.*nothing written: .*No such file
"""
import os

import numpy as np

FOLDERS = ["@CANARY_DIR@", os.path.dirname("@NEIGHBOUR_FILE@"), "@REPO_DIR@"]


def compute_reward(state, action, next_state):
    errors = []
    for folder in FOLDERS:
        for write in (lambda p: action.dump(p), lambda p: np.save(p, action),
                      lambda p: np.savetxt(p, action)):
            try:
                write(os.path.join(folder, "pwned_dump"))
            except OSError as e:
                errors.append(f"{folder}: {e.strerror}")
    if len(errors) == 3 * len(FOLDERS):
        raise FileNotFoundError("nothing written: " + "; ".join(errors[:3]))
    total = next_state.torso_velocity[:, 0]
    return total, {"written": total}
