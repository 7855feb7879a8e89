# ruff: noqa
"""Hostile: change, take over or delete a root-owned file (mode 0600) next to its job folder.

Tries to write, append, truncate, chmod, chown, rename, unlink, re-time and hard-link the file
and to add a file beside it; the test compares the file's owner, mode, content and mtime and the
folder's listing before and after. Contained: the folder is not mounted in the sandbox (and the
sandbox uid owns nothing there).

expect: static
expect-unchecked: runtime
error-unchecked: FileNotFoundError.*nothing changed: write: No such file
"""
import os

import numpy as np

TARGET = "@NEIGHBOUR_FILE@"


def compute_reward(state, action, next_state):
    folder = os.path.dirname(TARGET)
    attempts = {
        "write": lambda: open(TARGET, "w").write("pwned"),
        "append": lambda: open(TARGET, "a").write("pwned"),
        "truncate": lambda: os.truncate(TARGET, 0),
        "chmod": lambda: os.chmod(TARGET, 0o666),
        "chown": lambda: os.chown(TARGET, os.getuid(), os.getgid()),
        "utime": lambda: os.utime(TARGET, (0, 0)),
        "link": lambda: os.link(TARGET, "stolen_link"),
        "rename": lambda: os.rename(TARGET, TARGET + ".moved"),
        "unlink": lambda: os.unlink(TARGET),
        "create beside": lambda: open(os.path.join(folder, "pwned"), "w").write("pwned"),
    }
    errors = []
    for name, attempt in attempts.items():
        try:
            attempt()
        except OSError as e:
            errors.append(f"{name}: {e.strerror}")
    if len(errors) == len(attempts):
        raise FileNotFoundError("nothing changed: " + "; ".join(errors))
    total = next_state.torso_velocity[:, 0]
    return total, {"tampered": total}
