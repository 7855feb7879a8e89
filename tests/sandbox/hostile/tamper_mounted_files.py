# ruff: noqa
"""Hostile: change what the sandbox does see: /etc/passwd, the interpreter, numpy, rewardsmith.

Those are mounted so the worker can run; a write would hit every later job (and the host).
Tries to open them for writing (it writes nothing, so a failure of the sandbox stays
harmless), chmod them, unlink /etc/passwd, create new modules next to them, and map numpy's
compiled core writable; the test compares their owner, mode, size and mtime. Contained:
everything but the job folder and a private /tmp is mounted read-only, and the sandbox uid owns
none of it.

expect: static
expect-unchecked: runtime
error-unchecked: OSError.*nothing changed: .*(Read-only file system|Permission denied)
"""
import mmap
import os
import sys

import numpy as np

def compute_reward(state, action, next_state):
    attempts = [("unlink /etc/passwd", lambda: os.unlink("/etc/passwd"))]
    for target in ("/etc/passwd", sys.executable, np.__file__):
        attempts += [(f"write {target}", lambda t=target: open(t, "a").write("")),
                     (f"chmod {target}", lambda t=target: os.chmod(t, 0o777))]
    for new in ("@REPO_DIR@/rewardsmith/pwned_pkg.py",
                os.path.join(os.path.dirname(np.__file__), "pwned_numpy.py"),
                os.path.join(sys.prefix, "pwned_prefix"), "/usr/lib/pwned", "/etc/pwned"):
        attempts.append((f"create {new}", lambda t=new: open(t, "w").write("pwned")))
    core = np._core._multiarray_umath.__file__ if hasattr(np, "_core") else np.__file__
    attempts.append(("map writable", lambda: mmap.mmap(os.open(core, os.O_RDWR), 4096)))
    errors = []
    for name, attempt in attempts:
        try:
            attempt()
        except OSError as e:
            errors.append(f"{name}: {e.strerror}")
    if len(errors) == len(attempts):
        raise OSError("nothing changed: " + "; ".join(errors[:4]))
    total = next_state.torso_velocity[:, 0]
    return total, {"tampered": total}
