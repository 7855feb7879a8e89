"""Which sandboxes are still alive: for tests that kill jobs and must leave nothing behind."""

from __future__ import annotations

import os
import time
from pathlib import Path


def sandbox_processes(base: str | Path) -> list[int]:
    """Pids of the sandboxes working under ``base``: the workers and bwrap itself.

    A worker runs as a sandbox uid (>= 200000, see
    ``rewardsmith.sandbox.isolation.sandbox_uid``) with its job folder as working directory;
    bwrap runs as the caller and names the folder it binds on its command line. Sandboxes of
    other runs on the same machine work elsewhere.
    """
    base = str(base)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            in_base = os.readlink(entry / "cwd").startswith(base)
            worker = in_base and entry.stat().st_uid >= 200_000
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        binder = bool(argv) and argv[0].endswith(b"bwrap") and base.encode() in b" ".join(argv)
        if worker or binder:
            found.append(int(entry.name))
    return found


def wait_until_no_sandbox(base: str | Path, timeout_s: float = 3.0) -> list[int]:
    """Wait up to ``timeout_s`` for the sandboxes under ``base`` to end; the survivors' pids."""
    deadline = time.monotonic() + timeout_s
    while (alive := sandbox_processes(base)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive
