"""The isolation layers, one by one: what the worker can see and do, and what the parent does."""

from __future__ import annotations

import io
import itertools
import json
import os
import time
from pathlib import Path

import pytest

import rewardsmith
import rewardsmith.sandbox.runner as runner
from rewardsmith.sandbox.isolation import (
    IsolationLimits,
    IsolationReport,
    build_command,
    detect_isolation_layers,
    scrubbed_env,
)
from rewardsmith.sandbox.runner import SandboxUnavailableError, run_sandboxed, write_sandbox_input
from rewardsmith.testing.processes import wait_until_no_sandbox

REPORT = detect_isolation_layers()
isolated = pytest.mark.skipif(not REPORT.network_isolated, reason="no network isolation here")
LIMITS = IsolationLimits.from_policy("smoke").replace(wall_s=15.0, cpu_s=10)
GOOD = '''import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    return forward, {"forward": forward}
'''
VALID_RETURN = '''
    forward = next_state.torso_velocity[:, 0]
    return forward, {"forward": forward}
'''


@pytest.fixture(scope="module")
def transitions() -> dict[str, bytes]:
    from rewardsmith.rl.transitions import record_transitions

    buffer = io.BytesIO()
    record_transitions("HalfCheetah-v5", 16, 0).save(buffer)
    return {"random-action": buffer.getvalue()}


def smoke(source: str, workdir: Path, transitions, limits=LIMITS, **options):
    for label, data in transitions.items():
        write_sandbox_input(workdir, f"{label}.npz", lambda f, data=data: f.write(data))
    args = {"transitions": {label: f"{label}.npz" for label in transitions}}
    return run_sandboxed("smoke", source, args, workdir, limits=limits, **options)


def test_report_lists_every_layer():
    names = [layer.name for layer in REPORT.layers]
    for needed in ("network namespace", "pid namespace", "read-only root, private writable dir",
                   "non-root uid", "seccomp filter", "rlimits", "environment scrubbed"):
        assert needed in names
    assert {"rlimits", "environment scrubbed"} <= set(REPORT.active_names())


def test_scrubbed_env_passes_no_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    env = scrubbed_env(tmp_path)
    assert env["HOME"] == str(tmp_path) and env["OMP_NUM_THREADS"] == "1"
    assert env["MUJOCO_GL"] == "egl"
    assert not any("secret" in value for value in env.values())
    assert not any(k for k in env if "KEY" in k or "TOKEN" in k or "SECRET" in k)


def test_policy_file_sets_limits_per_kind(tmp_path):
    smoke_limits = IsolationLimits.from_policy("smoke")
    train_limits = IsolationLimits.from_policy("train")
    assert smoke_limits.memory_mb >= 768  # the CPU torch wheel needs this much
    assert not smoke_limits.allow_subprocess and train_limits.allow_subprocess
    bad = tmp_path / "policy.toml"
    bad.write_text("[limits]\nmemory_gb = 2\n")
    with pytest.raises(ValueError, match="memory_gb"):
        IsolationLimits.from_policy(path=bad)


@pytest.mark.skipif(REPORT.mode != "bwrap", reason="bubblewrap not available")
def test_bwrap_command_binds_little(tmp_path):
    cmd = build_command(REPORT, LIMITS, tmp_path, ["python", "-I", "worker.py"], uid=123456)
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in cmd
    pairs = set(itertools.pairwise(cmd))
    assert ("--bind", str(tmp_path)) in pairs  # the only writable bind
    assert cmd.count("--bind") == 1
    assert ("--ro-bind", "/") not in pairs and ("--bind", "/") not in pairs
    # the private /tmp comes before every bind, so a package under /tmp is not hidden by it
    assert cmd.index("--tmpfs") < cmd.index("--ro-bind")


PROBE = '''
import json, os, resource, socket


def compute_reward(state, action, next_state):
    info = {"uid": os.getuid(), "env": sorted(os.environ), "root": sorted(os.listdir("/")),
            "hostname": socket.gethostname(), "pids": [p for p in os.listdir("/proc")
                                                       if p.isdigit()]}
    info["status"] = {k: v.strip() for k, v in (line.split(":", 1) for line in
                      open("/proc/self/status").read().splitlines()) if k.startswith(
                      ("Cap", "NoNewPrivs", "Seccomp"))}
    info["limits"] = {name: resource.getrlimit(getattr(resource, name))[1] for name in
                      ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_NOFILE",
                       "RLIMIT_FSIZE")}
    info["net"] = [line.split(":")[0].strip() for line in
                   open("/proc/net/dev").read().splitlines()[2:]]
    info["writable"] = {}
    for target in ("/usr/probe", "/etc/probe", "/probe", "/tmp/probe", "probe_here"):
        try:
            open(target, "w").write("x")
            info["writable"][target] = True
        except OSError:
            info["writable"][target] = False
    try:
        info["root_home"] = sorted(os.listdir("/root"))
    except OSError as e:
        info["root_home"] = str(e)
    json.dump(info, open("probe.json", "w"))
''' + VALID_RETURN


@isolated
def test_what_the_worker_sees(tmp_path, transitions):
    result = smoke("import numpy as np\n" + PROBE, tmp_path, transitions,
                   skip_static_check=True)
    assert result.ok, result.error
    info = json.loads((tmp_path / "probe.json").read_text())
    set_inside = {"PWD", "SHLVL", "_", "PYGAME_HIDE_SUPPORT_PROMPT"}  # by sh and gymnasium
    assert set(info["env"]) <= set(scrubbed_env(tmp_path)) | set_inside
    assert info["net"] == ["lo"] or set(info["net"]) <= {"lo"}
    assert len(info["pids"]) <= 3  # bwrap's init, the worker: nothing of the host
    assert info["status"]["CapEff"] == "0000000000000000"
    assert info["limits"]["RLIMIT_AS"] == LIMITS.memory_mb << 20
    assert info["limits"]["RLIMIT_NPROC"] == LIMITS.nproc
    assert info["limits"]["RLIMIT_FSIZE"] == LIMITS.fsize_mb << 20
    assert info["writable"]["probe_here"] is True
    assert not info["writable"]["/usr/probe"] and not info["writable"]["/etc/probe"]
    if REPORT.mode == "bwrap":
        assert info["hostname"] == "sandbox"
        package_top = Path(rewardsmith.__file__).resolve().parts[1]  # /work, or CI's clone
        assert "home" not in info["root"] and package_top in info["root"]  # read-only
        assert info["root_home"] in ([], [".pyenv"]) or isinstance(info["root_home"], str)
        assert not (Path("/tmp/probe").is_file() and Path("/tmp/probe").read_text() == "x")
    if REPORT.drop_uid:
        assert info["uid"] >= 200_000
        assert info["status"]["NoNewPrivs"] == "1"
    if REPORT.seccomp:
        assert info["status"]["Seccomp"] == "2"


@isolated
def test_fork_bomb_is_bounded_even_when_subprocesses_are_allowed(tmp_path, transitions):
    bomb = '''import os, time
import numpy as np


def compute_reward(state, action, next_state):
    children = 0
    while True:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
'''
    limits = LIMITS.replace(allow_subprocess=True, nproc=12, wall_s=10.0)
    t0 = time.perf_counter()
    result = smoke(bomb, tmp_path, transitions, limits=limits, skip_static_check=True)
    # failed on the process limit ("runtime"), not on the 10 s wall limit ("timeout"); the
    # bound is a hang guard with room for a loaded machine
    assert time.perf_counter() - t0 < 10 + 20
    assert not result.ok and result.error_kind == "runtime", result.error
    assert "BlockingIOError" in result.error or "Resource temporarily" in result.error
    assert wait_until_no_sandbox(tmp_path) == []


@isolated
def test_wall_timeout_kills_the_whole_tree(tmp_path, transitions):
    tree = '''import os, signal
import numpy as np


def compute_reward(state, action, next_state):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.fork() == 0:
        os.setsid()  # try to leave the process group
        while True:
            pass
    while True:
        pass
'''
    limits = LIMITS.replace(allow_subprocess=True, wall_s=3.0)
    t0 = time.perf_counter()
    result = smoke(tree, tmp_path, transitions, limits=limits, skip_static_check=True)
    assert time.perf_counter() - t0 < 3 + 20  # the tree never ends by itself; room for load
    assert result.error_kind == "timeout"
    assert wait_until_no_sandbox(tmp_path) == []


@pytest.mark.skipif(not REPORT.cgroup, reason="no writable cgroup v1 here")
def test_cgroup_caps_memory_across_processes(tmp_path, transitions):
    hogs = '''import os
import numpy as np


def compute_reward(state, action, next_state):
    pids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            hog = np.ones(600 * 2 ** 20 // 8)  # 600 MB each, under the per-process limit
            os._exit(0 if hog.sum() else 1)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    if any(os.WIFSIGNALED(s) for s in statuses):
        raise RuntimeError("a child was killed")
''' + VALID_RETURN
    limits = LIMITS.replace(allow_subprocess=True, memory_mb=1024)
    result = smoke(hogs, tmp_path, transitions, limits=limits, skip_static_check=True)
    assert not result.ok and "killed" in result.error, result.error
    assert not list(Path("/sys/fs/cgroup/memory/rewardsmith").glob(f"job-{os.getpid()}-*"))


@isolated
def test_parent_never_executes_the_candidate(tmp_path, transitions):
    marker = tmp_path / "outside" / "executed"
    marker.parent.mkdir()
    marker.parent.chmod(0o777)
    source = (f"import numpy as np\nopen({str(marker)!r}, 'w').write('x')\n\n\n"
              f"def compute_reward(state, action, next_state):{VALID_RETURN}")
    result = smoke(source, tmp_path / "job", transitions, skip_static_check=True)
    if REPORT.mode == "bwrap":  # the write went nowhere the parent can see
        assert result.ok or result.error_kind == "load"
    assert not marker.exists() or REPORT.mode != "bwrap"
    assert not any(getattr(m, "__file__", None) == str(tmp_path / "job" / "reward.py")
                   for m in list(__import__("sys").modules.values()))


@isolated
def test_planted_symlinks_are_never_followed(tmp_path, transitions):
    target = tmp_path / "precious.txt"
    target.write_text("precious")
    plant = f'''import os
import numpy as np


def compute_reward(state, action, next_state):
    for name in ("worker.log", "job.json", "events.jsonl"):
        os.unlink(name)
        os.symlink({str(target)!r}, name)
    os.unlink("result.json") if os.path.exists("result.json") else None
    os.symlink({str(target)!r}, "result.json")
    os._exit(0)
'''
    workdir = tmp_path / "job"
    first = smoke(plant, workdir, transitions, skip_static_check=True)
    assert first.error_kind == "crashed" and "precious" not in json.dumps(first.to_dict())
    second = smoke(GOOD, workdir, transitions)  # rewrites every file the first one planted
    assert second.ok, second.error
    assert target.read_text() == "precious"


@isolated
def test_events_stream_to_the_parent(tmp_path, transitions):
    events = []
    result = smoke(GOOD, tmp_path, transitions, on_event=events.append)
    assert result.ok, result.error
    assert [e["event"] for e in events][:2] == ["worker_ready", "smoke_start"]


def test_static_failure_starts_no_process(tmp_path, monkeypatch):
    def no_popen(*args, **kwargs):
        raise AssertionError("a process was started for a statically rejected program")

    monkeypatch.setattr(runner.subprocess, "Popen", no_popen)
    result = run_sandboxed("smoke", "import os\n", {}, tmp_path)
    assert result.error_kind == "static" and "line 1 [import]" in result.error
    assert not (tmp_path / "reward.py").exists()


def test_refuses_to_run_without_network_isolation(tmp_path, monkeypatch, transitions):
    none = IsolationReport("none", False, False, None, ())
    monkeypatch.setattr(runner, "detect_isolation_layers", lambda: none)
    with pytest.raises(SandboxUnavailableError, match="allow_unsafe=True"):
        smoke(GOOD, tmp_path, transitions)
    with pytest.warns(UserWarning, match="WITHOUT NETWORK ISOLATION"):
        result = smoke(GOOD, tmp_path, transitions, allow_unsafe=True)
    assert result.ok, result.error
    assert os.getuid() == os.geteuid()  # nothing about the parent changed
