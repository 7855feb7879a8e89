"""sandbox_processes: finds a sandbox's processes under a folder, even after they left it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from rewardsmith.testing.processes import sandbox_processes, wait_until_no_sandbox

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                reason="needs root and setpriv to run as a sandbox uid")


def start_as_sandbox_uid(cwd: str, home: str) -> subprocess.Popen:
    """A sleeping process with a sandbox uid, working in ``cwd``, with ``HOME`` = ``home``."""
    return subprocess.Popen(
        ["setpriv", "--reuid=654321", "--regid=654321", "--clear-groups", "--",
         "sleep", "30"], cwd=cwd, env={"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home},
        stdin=subprocess.DEVNULL)


def found(base, timeout_s: float = 5.0) -> list[int]:
    """The sandbox processes under ``base``, once setpriv has switched to the sandbox uid."""
    deadline = time.monotonic() + timeout_s
    while not (pids := sandbox_processes(base)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return pids


def test_a_worker_child_that_left_its_job_folder_is_still_found(tmp_path):
    job = tmp_path / "job"
    job.mkdir()
    elsewhere = start_as_sandbox_uid("/", str(job))  # chdir'ed away, environment still says job
    unrelated = start_as_sandbox_uid("/", "/nonexistent-home")
    try:
        assert found(tmp_path) == [elsewhere.pid]
        assert wait_until_no_sandbox(tmp_path, timeout_s=0.2) == [elsewhere.pid]
        assert sandbox_processes(tmp_path / "jo") == []  # a prefix of the name is not a folder
    finally:
        for proc in (elsewhere, unrelated):
            proc.kill()
            proc.wait()
    assert wait_until_no_sandbox(tmp_path) == []


def test_a_worker_in_its_job_folder_is_found(tmp_path):
    job = tmp_path / "job"
    job.mkdir(mode=0o755)
    worker = start_as_sandbox_uid(str(job), "/nonexistent-home")
    try:
        assert found(tmp_path) == [worker.pid]
    finally:
        worker.kill()
        worker.wait()
    assert sandbox_processes(tmp_path) == []
