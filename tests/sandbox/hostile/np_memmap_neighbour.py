# ruff: noqa
"""Hostile: map the root-owned file next to its job, and a mounted shared library, writable.

np.memmap(mode="r+") would write through to the file on the host. Contained: the static check
rejects memmap; without it, the neighbour file is not mounted and the library is read-only.

expect: static
expect-unchecked: runtime
error: `\.memmap` is not allowed
error-unchecked: OSError.*nothing mapped: .*precious\.txt: No such file
"""
import numpy as np


def compute_reward(state, action, next_state):
    errors = []
    for path in ("@NEIGHBOUR_FILE@", np.__file__):
        try:
            mapped = np.memmap(path, dtype=np.uint8, mode="r+")
            mapped[0] = 35
            mapped.flush()
            break
        except OSError as e:
            errors.append(f"{path}: {e.strerror}")
    else:
        raise OSError("nothing mapped: " + "; ".join(errors))
    total = next_state.torso_velocity[:, 0]
    return total, {"mapped": total}
