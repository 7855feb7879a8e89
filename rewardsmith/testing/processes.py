"""Which sandboxes are still alive: for tests that kill jobs and must leave nothing behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

# rewardsmith.sandbox.isolation.sandbox_uid draws the worker's uid from [200000, 1000000).
SANDBOX_UID_MIN = 200_000


def sandbox_processes(base: str | Path) -> list[int]:
    """Pids of the sandboxes working under ``base``: the workers, their children, and bwrap.

    A worker runs as a sandbox uid (>= 200000, see
    ``rewardsmith.sandbox.isolation.sandbox_uid``); it counts as working under ``base`` when its
    working directory is there, or when its environment names a folder there (the runner sets
    ``HOME`` and ``TMPDIR`` to the job folder, and a child inherits them), so that a child that
    changed directory (``os.chdir("/")``) before the parent died is still found. bwrap runs as
    the caller and names the folder it binds on its command line. Sandboxes of other runs on the
    same machine work elsewhere.
    """
    base = str(base).rstrip("/")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            uid = entry.stat().st_uid
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            worker = uid >= SANDBOX_UID_MIN and (
                _under(os.readlink(entry / "cwd"), base)
                or _environment_names(entry / "environ", base))
        except OSError:  # the process ended meanwhile, or is not ours to read
            continue
        binder = bool(argv) and argv[0].endswith(b"bwrap") and base.encode() in b" ".join(argv)
        if worker or binder:
            found.append(int(entry.name))
    return found


def _under(path: str, base: str) -> bool:
    return path == base or path.startswith(base + "/")


def _environment_names(environ: Path, base: str) -> bool:
    """Whether ``HOME`` or ``TMPDIR`` in a process's initial environment lies under ``base``."""
    for item in environ.read_bytes().split(b"\0"):
        name, _, value = item.partition(b"=")
        if name in (b"HOME", b"TMPDIR") and _under(value.decode("utf-8", "replace"), base):
            return True
    return False


def wait_until_no_sandbox(base: str | Path, timeout_s: float = 3.0) -> list[int]:
    """Wait up to ``timeout_s`` for the sandboxes under ``base`` to end; the survivors' pids."""
    deadline = time.monotonic() + timeout_s
    while (alive := sandbox_processes(base)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive
