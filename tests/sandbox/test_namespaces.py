"""seccomp denies creating or joining namespaces, and mounting, in every job kind.

A reward that could create a user namespace would hold every capability inside it, a starting
point for kernel attacks that needs nothing else. The probe below runs when ``reward.py`` is
loaded (after the worker installed its filter), straight through ``syscall(2)`` via ``ctypes`` so
that no libc wrapper hides what the kernel answered; the static check would reject ``ctypes``,
so these jobs skip it (``skip_static_check=True``, the test-only door to the OS layers). Each
probe is chosen so that the answer tells the filter apart from the kernel's own refusal: without
the filter ``unshare(0)`` succeeds, ``clone(CLONE_NEWUSER | ...)`` makes a child, ``clone3``
answers anything but ``ENOSYS``, ``setns`` into our own user namespace gives ``EINVAL``, a mount
on a missing folder ``ENOENT`` and ``umount2`` with bad flags ``EINVAL``; with the filter every
one of them gives ``EPERM`` (``ENOSYS`` for ``clone3``). The probe writes its answers to
``ns_probe.json`` in the job folder; then the reward behaves, and the train job must still
train, evaluate and encode its video (threads and the ffmpeg subprocess use plain ``clone``).
"""

from __future__ import annotations

import io
import json
import platform
from pathlib import Path

import pytest

from rewardsmith.sandbox.isolation import IsolationLimits, detect_isolation_layers
from rewardsmith.sandbox.runner import read_sandbox_file, run_sandboxed, write_sandbox_input
from rewardsmith.testing.processes import wait_until_no_sandbox

REPORT = detect_isolation_layers()
pytestmark = [
    pytest.mark.skipif(not REPORT.network_isolated, reason="no network isolation here"),
    pytest.mark.skipif(REPORT.seccomp is None, reason="no seccomp module (pip install pyseccomp)"),
    pytest.mark.skipif(platform.machine() != "x86_64", reason="the probe uses x86_64 numbers"),
]
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000,
                   "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000,
                   "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}
PROBE = '''import ctypes
import errno
import json
import os
import struct

import numpy as np

NR = {"clone": 56, "mount": 165, "umount2": 166, "pivot_root": 155, "unshare": 272,
      "setns": 308, "clone3": 435}
FLAGS = @FLAGS@
NEWUSER, SIGCHLD = FLAGS["CLONE_NEWUSER"], 17
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(name, *args):
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(NR[name]), *args)
    if ret == 0 and name in ("clone", "clone3"):
        os._exit(0)  # the new child: leave at once
    if ret > 0 and name in ("clone", "clone3"):
        os.waitpid(ret, 0)
    return "allowed" if ret >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def clone3(flags):
    args = ctypes.create_string_buffer(struct.pack("<8Q", flags, 0, 0, 0, SIGCHLD, 0, 0, 0))
    return call("clone3", args, ctypes.c_size_t(64))


found = {"unshare(0)": call("unshare", ctypes.c_long(0)),
         "unshare(CLONE_NEWUSER)": call("unshare", ctypes.c_long(NEWUSER)),
         "clone3(0)": clone3(0), "clone3(CLONE_NEWUSER)": clone3(NEWUSER)}
for flag_name, flag in FLAGS.items():
    extra = NEWUSER if flag != NEWUSER else 0  # so that the kernel alone would allow it
    found[f"clone({flag_name})"] = call("clone", ctypes.c_long(flag | extra | SIGCHLD),
                                        ctypes.c_long(0), ctypes.c_long(0), ctypes.c_long(0),
                                        ctypes.c_long(0))
fd = os.open("/proc/self/ns/user", os.O_RDONLY)
found["setns(own user namespace)"] = call("setns", ctypes.c_int(fd), ctypes.c_int(NEWUSER))
os.close(fd)
found["mount(tmpfs on a missing folder)"] = call(
    "mount", ctypes.c_char_p(b"none"), ctypes.c_char_p(b"/rewardsmith-missing"),
    ctypes.c_char_p(b"tmpfs"), ctypes.c_ulong(0), ctypes.c_void_p(0))
found["umount2(/, bad flags)"] = call("umount2", ctypes.c_char_p(b"/"), ctypes.c_int(0x100))
found["pivot_root"] = call("pivot_root", ctypes.c_char_p(b"/rewardsmith-missing"),
                           ctypes.c_char_p(b"/rewardsmith-missing"))
with open("/proc/self/status") as f:
    found["status"] = [line.strip() for line in f if line.startswith("Seccomp")]
with open("ns_probe.json", "w") as f:
    json.dump(found, f)


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    ctrl = -0.1 * np.sum(action ** 2, axis=1)
    return forward + ctrl, {"forward": forward, "ctrl": ctrl}
'''.replace("@FLAGS@", repr(NAMESPACE_FLAGS))
# What the filter must answer; "allowed" (or the kernel's own errno) means it let the call by.
DENIED = {"unshare(0)": "EPERM", "unshare(CLONE_NEWUSER)": "EPERM", "clone3(0)": "ENOSYS",
          "clone3(CLONE_NEWUSER)": "ENOSYS", "setns(own user namespace)": "EPERM",
          "mount(tmpfs on a missing folder)": "EPERM", "umount2(/, bad flags)": "EPERM",
          "pivot_root": "EPERM", **{f"clone({name})": "EPERM" for name in NAMESPACE_FLAGS}}
TRAIN_ARGS = {"task": "cheetah-run", "steps": 64, "n_envs": 1, "n_eval_episodes": 1,
              "eval_every": 10**9, "env_kwargs": {"max_episode_steps": 50},
              "algo_kwargs": {"n_steps": 64, "batch_size": 64, "n_epochs": 1}, "out": "train"}


def _probe_answers(workdir: Path) -> dict:
    data = read_sandbox_file(workdir / "ns_probe.json")
    assert data is not None, "the probe wrote no ns_probe.json: did reward.py load?"
    return json.loads(data)


def _assert_denied(answers: dict, kind: str) -> None:
    wrong = {call: got for call, expected in DENIED.items()
             if (got := answers.get(call)) != expected}
    assert not wrong, (f"in the {kind} job the seccomp filter let namespace or mount calls "
                       f"through (call: what the kernel answered): {wrong}")
    assert "Seccomp:\t2" in answers["status"], answers["status"]


def _run(kind: str, args: dict, workdir: Path, limits: IsolationLimits):
    (workdir / "ns_probe.json").unlink(missing_ok=True)
    return run_sandboxed(kind, PROBE, args, workdir, limits=limits, skip_static_check=True)


def test_smoke_job_cannot_create_or_join_namespaces(tmp_path):
    from rewardsmith.rl.transitions import record_transitions

    buffer = io.BytesIO()
    record_transitions("HalfCheetah-v5", 16, 0).save(buffer)
    workdir = tmp_path / "smoke"
    write_sandbox_input(workdir, "t.npz", lambda f: f.write(buffer.getvalue()))
    limits = IsolationLimits.from_policy("smoke").replace(wall_s=30.0, cpu_s=20)
    result = _run("smoke", {"transitions": {"random-action": "t.npz"}}, workdir, limits)
    assert result.ok, f"{result.error_kind}: {result.error}\n{result.log_tail}"
    _assert_denied(_probe_answers(workdir), "smoke")
    assert wait_until_no_sandbox(tmp_path) == []


@pytest.mark.slow
def test_train_and_reevaluate_jobs_cannot_create_namespaces_and_still_train(tmp_path):
    workdir = tmp_path / "job"
    limits = IsolationLimits.from_policy("train").replace(wall_s=180.0, cpu_s=150)
    trained = _run("train", {**TRAIN_ARGS, "video": True}, workdir, limits)
    assert trained.ok, f"{trained.error_kind}: {trained.error}\n{trained.log_tail}"
    _assert_denied(_probe_answers(workdir), "train")
    metrics = trained.result["metrics"]
    assert metrics["steps"] >= 64 and metrics["final"]["fitness_mean"] is not None
    video = workdir / "train" / "video.mp4"  # ffmpeg ran as a subprocess under the filter
    assert video.is_file() and video.stat().st_size > 1000

    limits = IsolationLimits.from_policy("reevaluate").replace(wall_s=120.0, cpu_s=100)
    reevaluated = _run("reevaluate", {"policy": "train", "seeds": [3], "task": "cheetah-run",
                                      "n_episodes": 1, "env_kwargs": {"max_episode_steps": 20}},
                       workdir, limits)
    assert reevaluated.ok, f"{reevaluated.error_kind}: {reevaluated.error}"
    _assert_denied(_probe_answers(workdir), "reevaluate")
    assert reevaluated.result["per_seed"][0]["episodes"][0]["length"] == 20
    assert wait_until_no_sandbox(tmp_path) == []
