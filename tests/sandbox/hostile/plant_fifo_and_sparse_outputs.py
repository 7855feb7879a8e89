# ruff: noqa
"""Hostile: make the parent block or drown: result.json as a FIFO, a 64 MB sparse events file.

A parent that opened the FIFO without O_NONBLOCK would hang forever; one that read events.jsonl
whole would read 64 MB (a bigger one, up to the file-size limit, costs the job no more). Then
the worker exits 0 without a result. Contained: the parent reads regular files only,
non-blocking, and a bounded amount per poll.

expect: static
expect-unchecked: crashed
error-unchecked: exited with status 0 before writing its result
"""
import os

import numpy as np


def compute_reward(state, action, next_state):
    for name in ("result.json", "worker.log"):
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        os.mkfifo(name)
    os.unlink("events.jsonl")
    with open("events.jsonl", "wb") as f:
        f.truncate(64 << 20)
    os._exit(0)
