"""The one way rewardsmith runs untrusted reward code: a job in the isolated worker.

``run_sandboxed`` statically checks the candidate (no process is started, and no input is
prepared, when that fails), writes the job's inputs, ``reward.py`` and ``job.json`` into the job's
folder, starts ``sandbox/worker.py`` under the OS isolation of
:mod:`rewardsmith.sandbox.isolation`, streams the worker's progress events, and turns every
outcome into a :class:`SandboxResult` whose ``error`` is a short message for the designer.

The parent never imports or executes the candidate. Everything the worker leaves in its folder
was written by untrusted code: it is read only through :mod:`rewardsmith.sandbox.outputs`
(:func:`read_sandbox_file`: bounded, regular files, never through a symlink, never unpickled), the
events are checked line by line, and a job's result is checked against the shape its kind
returns (:mod:`rewardsmith.sandbox.outcome`), so a planted or malformed output fails that job
with a short reason instead of raising.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.contract.fitness import FITNESS_ENTRY
from rewardsmith.errors import RewardsmithError
from rewardsmith.resources import resource_dir
from rewardsmith.sandbox.events import FINAL_EVENTS, EventReader
from rewardsmith.sandbox.isolation import (
    IsolationLimits,
    JobCgroup,
    build_command,
    detect_isolation_layers,
    package_root,
    sandbox_uid,
    scrubbed_env,
)
from rewardsmith.sandbox.jobs import JOBS  # kind names only: job modules load in the worker
from rewardsmith.sandbox.outcome import (
    ERROR_KINDS,
    SandboxResult,
    check_outputs,
    log_tail,
    read_outcome,
    to_result,
)
from rewardsmith.sandbox.outputs import read_sandbox_file
from rewardsmith.sandbox.static_check import RewardCheckError, check_source

__all__ = ["ERROR_KINDS", "SandboxResult", "SandboxUnavailableError", "read_sandbox_file",
           "run_sandboxed", "write_sandbox_input"]

REWARD_FILE, FITNESS_FILE = "reward.py", "fitness.py"
CONTROL_FILES = ("result.json", "result.json.tmp", "events.jsonl", "worker.log", REWARD_FILE,
                 FITNESS_FILE, "job.json")  # the worker's protocol; replaced before every job
POLL_S = 0.05


class SandboxUnavailableError(RewardsmithError):
    """No network isolation is possible here and the caller did not allow running without it."""


def run_sandboxed(kind: str, reward_source: str | None, args: dict[str, Any], workdir: Path,
                  limits: IsolationLimits | None = None,
                  on_event: Callable[[dict[str, Any]], None] | None = None, *,
                  prepare_inputs: Callable[[Path], dict[str, Any]] | None = None,
                  allow_unsafe: bool = False, skip_static_check: bool = False,
                  fitness_source: str | None = None) -> SandboxResult:
    """Run one job on an untrusted reward program inside the isolated worker.

    Args:
        kind: a job kind in ``rewardsmith.sandbox.jobs.JOBS`` (``"smoke"``, ``"train"``).
        reward_source: the candidate's source text; never imported here. None for a job that
            runs no reward (``"fitness_smoke"``).
        args: keyword arguments of the job (JSON data; paths relative to ``workdir``).
        workdir: the job's folder: the only place the worker may write.
        limits: resource limits; ``sandbox/policy.toml`` for ``kind`` by default.
        on_event: receives each progress event (a dict) the job emits, as it happens, once
            checked (:class:`~rewardsmith.sandbox.events.EventReader`); the final ``done``
            event only after the job has succeeded.
        prepare_inputs: writes the job's input files into the (resolved) job folder and returns
            arguments merged into ``args``. It is called only once the program has passed the
            static check, so that callers need not check it themselves to avoid costly inputs
            (recorded transitions) for a program that is rejected anyway: this function stays
            the one place the check runs, and the gate nothing reaches the worker without.
        allow_unsafe: run even when no network isolation is available (warns loudly).
        skip_static_check: tests only: send the program straight to the worker, so that the
            OS isolation is what gets tested.
        fitness_source: a written fitness program (``compute_fitness``), checked like the
            reward and loaded in the worker as ``fitness.py``; the job gets ``fitness_fn``.

    Returns:
        A :class:`SandboxResult`; failures of the candidate are results, not exceptions.

    Raises:
        SandboxUnavailableError: no network isolation here and ``allow_unsafe`` is False.
    """
    t0 = time.perf_counter()
    if kind not in JOBS:
        raise ValueError(f"unknown sandbox job kind {kind!r}; expected one of {sorted(JOBS)}")
    programs = {name: (source, entry) for name, source, entry in (
        (REWARD_FILE, reward_source, "compute_reward"),
        (FITNESS_FILE, fitness_source, FITNESS_ENTRY)) if source is not None}
    for name, (source, entry) in programs.items():
        issues = [] if skip_static_check else check_source(source, entry)
        if issues:
            return SandboxResult(False, kind, None, str(RewardCheckError(issues, name)),
                                 "static" if name == REWARD_FILE else "fitness",
                                 time.perf_counter() - t0)
    report = detect_isolation_layers()
    _require_network_isolation(report, allow_unsafe)
    limits = limits or IsolationLimits.from_policy(kind)
    workdir = Path(workdir).resolve()
    if prepare_inputs is not None:
        args = {**args, **prepare_inputs(workdir)}
    uid = sandbox_uid() if report.drop_uid else None
    _prepare_workdir(workdir, {name: source for name, (source, _) in programs.items()}, {
        "kind": kind, "args": args, "limits": limits.to_dict(), "seccomp": report.seccomp,
        "reward": reward_source is not None, "fitness": fitness_source is not None,
    }, uid)
    argv = [sys.executable, "-I", "-B", str(resource_dir("sandbox") / "worker.py"),
            "--pkg-root", str(package_root())]
    cmd = build_command(report, limits, workdir, argv, uid)
    cgroup = _job_cgroup(limits) if report.cgroup else None
    try:
        log_fd = _create_file(workdir / "worker.log", uid)
        try:
            proc = subprocess.Popen(cgroup.wrap(cmd) if cgroup else cmd, cwd=workdir,
                                    env=scrubbed_env(workdir), stdin=subprocess.DEVNULL,
                                    stdout=log_fd, stderr=log_fd, start_new_session=True)
        finally:
            os.close(log_fd)
        events = EventReader(workdir / "events.jsonl", root=workdir)
        held: list[dict[str, Any]] = []

        def deliver(event: dict[str, Any]) -> None:
            if event["event"] in FINAL_EVENTS:  # wait for the verdict: a forged one never shows
                held.append(event)
            elif on_event is not None:
                on_event(event)

        try:
            status, timed_out, cpu_s = _wait(proc, limits.wall_s, events, deliver)
        finally:
            events.close()
        oom = cgroup is not None and cgroup.oom_killed()
    finally:
        if cgroup is not None:
            cgroup.remove()
    outcome, unreadable = read_outcome(workdir)
    result = to_result(kind, outcome, status, (timed_out, cpu_s >= limits.cpu_s, oom),
                       limits, log_tail(workdir), unreadable)
    result = check_outputs(result, events.problem)
    if result.ok and on_event is not None:
        for event in held:
            on_event(event)
    result.wall_s = time.perf_counter() - t0
    result.layers = [name for name in report.active_names()
                     if cgroup is not None or not name.startswith("cgroup")]
    return result


def _job_cgroup(limits: IsolationLimits) -> JobCgroup | None:
    try:
        return JobCgroup(limits)
    except OSError as e:  # detected as writable, but not now: run without, and say so
        warnings.warn(f"could not create the job's cgroup ({e}); running without cgroup limits",
                      stacklevel=3)
        return None


def _require_network_isolation(report, allow_unsafe: bool) -> None:
    if report.network_isolated:
        return
    message = ("no network isolation is available on this machine (neither bubblewrap nor "
               "unshare could create a network namespace); install bubblewrap "
               "(`apt-get install bubblewrap`) or allow user namespaces")
    if not allow_unsafe:
        raise SandboxUnavailableError(message + ", or pass allow_unsafe=True to run untrusted "
                                      "reward code without it (not recommended)")
    warnings.warn(f"RUNNING UNTRUSTED REWARD CODE WITHOUT NETWORK ISOLATION: {message}",
                  stacklevel=3)


def write_sandbox_input(workdir: Path, name: str, write: Callable[[Any], None]) -> Path:
    """Create a fresh input file in a job's folder (never through a planted symlink).

    Args:
        workdir: the job's folder (created if missing).
        name: the file name.
        write: called with the binary file object to fill, e.g. ``transitions.save``.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    with os.fdopen(_create_file(workdir / name, None), "wb") as f:
        write(f)
    return workdir / name


def _prepare_workdir(workdir: Path, programs: dict[str, str], job: dict[str, Any],
                     uid: int | None) -> None:
    """Write the inputs; hand the folder to the sandbox uid (a previous job's files included).

    A previous job in the same folder (a candidate's earlier rung) may have left anything under
    the worker's file names: a symlink, a FIFO, a folder named ``result.json``. Each is removed,
    never followed, so that this job starts from fresh files.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    for name in CONTROL_FILES:
        _unlink(workdir / name)
    for name, text in (*programs.items(), ("job.json", json.dumps(job))):
        fd = _create_file(workdir / name, uid)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    if uid is not None:
        for folder, dirs, files in os.walk(workdir):
            for name in (*dirs, *files):
                os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)
        os.chown(workdir, uid, uid)


def _create_file(path: Path, uid: int | None) -> int:
    """A new file (never through a symlink a previous job may have planted)."""
    _unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    if uid is not None:
        os.fchown(fd, uid, uid)
    return fd


def _unlink(path: Path) -> None:
    """Remove whatever is at ``path`` (a folder with its content); never follow a symlink."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)  # works on file descriptors: links inside are removed, not followed
    else:
        os.unlink(path)


def _wait(proc: subprocess.Popen, wall_s: float, events: EventReader,
          on_event: Callable[[dict[str, Any]], None]) -> tuple[int, bool, float]:
    """Wait for the worker, streaming its checked events; kill the sandbox at the wall limit.

    The events are read (and checked) whether or not anyone listens, so that a job with
    forged events fails the same way for every caller.

    Returns:
        The exit status, whether the wall limit was hit, and the CPU seconds the sandbox used.
    """
    deadline = time.monotonic() + wall_s
    timed_out, cpu_s = False, 0.0
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            for event in events.read_new():
                on_event(event)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu_s = usage.ru_utime + usage.ru_stime
                break
            if time.monotonic() > deadline:
                timed_out = True
                _kill(proc)
            time.sleep(POLL_S)
    finally:
        if proc.returncode is None:  # on_event raised, or KeyboardInterrupt
            _kill(proc)
            proc.wait()
    for event in events.read_new():
        on_event(event)
    return proc.returncode, timed_out, cpu_s


def _kill(proc: subprocess.Popen) -> None:
    # The group holds bwrap; its pid-namespace init dies with it (--die-with-parent), and the
    # kernel then kills every process left in the namespace.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
