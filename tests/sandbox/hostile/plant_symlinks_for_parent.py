# ruff: noqa
"""Hostile: plant symlinks where the parent reads the job's outputs, then die.

result.json, worker.log and events.jsonl become links to the root-owned file next to the job,
to the canary secret and to /etc/passwd; then the worker SIGKILLs itself so that it cannot
write a real result. A parent that followed the links would read (and could leak) the secret.
Contained: the parent opens job files with O_NOFOLLOW and reads regular files only.

expect: static
expect-unchecked: crashed
error-unchecked: killed by SIGKILL
"""
import os
import signal

import numpy as np


def compute_reward(state, action, next_state):
    for name, target in (("result.json", "@NEIGHBOUR_FILE@"), ("worker.log", "@SECRET_FILE@"),
                         ("events.jsonl", "/etc/passwd")):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        os.symlink(target, name)
    os.kill(os.getpid(), signal.SIGKILL)
