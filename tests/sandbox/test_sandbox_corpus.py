"""The hostile corpus: every program in tests/sandbox/hostile/ is contained, fails clearly, fast.

Each program runs twice: through the normal path (the static check first) and with the static
check skipped, so the OS isolation alone has to contain it. Containment is checked by canaries:
a TCP/UDP listener on 127.0.0.1 that must receive nothing, an outside folder (mode 0777, so only
the sandbox keeps writes out) that must not change, secrets in the parent's environment and in
files that must never show up in the result or anything the worker wrote, no sandbox process
left behind, and a good reward that still runs right after.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rewardsmith.sandbox.isolation import IsolationLimits, detect_isolation_layers
from rewardsmith.sandbox.runner import run_sandboxed, write_sandbox_input
from rewardsmith.testing.processes import wait_until_no_sandbox

HOSTILE_DIR = Path(__file__).parent / "hostile"
PROGRAMS = sorted(HOSTILE_DIR.glob("*.py"))
LIMITS = IsolationLimits.from_policy("smoke").replace(wall_s=10.0, cpu_s=6, memory_mb=1536)
ENV_ID = "HalfCheetah-v5"
GOOD = '''import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    ctrl = -0.1 * np.sum(action ** 2, axis=1)
    return forward + ctrl, {"forward": forward, "ctrl": ctrl}
'''
REPO_DIR = Path(__file__).resolve().parents[2]
OUTSIDE_TARGETS = [REPO_DIR / "pwned_open", Path("/root/pwned_open"), Path("/etc/pwned_open"),
                   Path("/tmp/pwned_open"), Path.home() / "pwned_open"]

pytestmark = pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                                reason="no network isolation on this machine")


@dataclass
class Canaries:
    """What a contained program must leave untouched."""

    port: int
    outside: Path
    secret: str
    received: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def outside_snapshot(self) -> set[str]:
        return {str(p.relative_to(self.outside)) for p in self.outside.rglob("*")}


def _listen(canaries: Canaries, tcp: socket.socket, udp: socket.socket) -> None:
    tcp.settimeout(0.2)
    udp.settimeout(0.01)
    while not canaries.stop.is_set():
        try:
            conn, _ = tcp.accept()
            with conn:
                conn.settimeout(1)
                canaries.received.append(b"<connection>" + conn.recv(1024))
        except (TimeoutError, OSError):
            pass
        try:
            canaries.received.append(b"<udp>" + udp.recv(1024))
        except (TimeoutError, OSError):
            pass


@pytest.fixture(scope="module")
def canaries():
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    outside = Path(tempfile.mkdtemp(prefix="rewardsmith-canary-"))
    outside.chmod(0o777)  # only the sandbox, not file permissions, may keep writes out
    secret = "RS-CANARY-" + secrets.token_hex(12)
    (outside / "secret.txt").write_text(secret)
    (outside / "home" / ".ssh").mkdir(parents=True)
    (outside / "home" / ".ssh" / "id_rsa").write_text(secret)
    for path in (outside / "secret.txt", outside / "home" / ".ssh" / "id_rsa"):
        path.chmod(0o644)
    saved = {k: os.environ.get(k) for k in ("OPENAI_API_KEY", "REWARDSMITH_TEST_TOKEN", "HOME")}
    os.environ.update(OPENAI_API_KEY=secret, REWARDSMITH_TEST_TOKEN=secret,
                      HOME=str(outside / "home"))
    c = Canaries(port, outside, secret)
    thread = threading.Thread(target=_listen, args=(c, tcp, udp), daemon=True)
    thread.start()
    yield c
    c.stop.set()
    thread.join(2)
    tcp.close()
    udp.close()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    shutil.rmtree(outside, ignore_errors=True)


@pytest.fixture(scope="module")
def transitions() -> dict[str, bytes]:
    from rewardsmith.rl.transitions import record_transitions

    out = {}
    for label, n, scale in (("random-action", 64, 1.0), ("near-start", 16, 0.1)):
        buffer = io.BytesIO()
        record_transitions(ENV_ID, n, 0, action_scale=scale).save(buffer)
        out[label] = buffer.getvalue()
    return out


def run_smoke(source: str, workdir: Path, transitions: dict[str, bytes], **options):
    files = {}
    for label, data in transitions.items():
        name = f"{label}.npz"
        write_sandbox_input(workdir, name, lambda f, data=data: f.write(data))
        files[label] = name
    return run_sandboxed("smoke", source, {"transitions": files}, workdir,
                         limits=options.pop("limits", LIMITS), **options)


def expectations(path: Path) -> dict[str, set[str]]:
    text = path.read_text()
    return {mode: set(re.search(rf"^{key}: (.+)$", text, re.MULTILINE).group(1).split())
            for mode, key in (("checked", "expect"), ("unchecked", "expect-unchecked"))}


def assert_contained(canaries: Canaries, before: set[str], workdir: Path, result) -> None:
    assert canaries.received == [], "the 127.0.0.1 listener received data from the sandbox"
    assert canaries.outside_snapshot() == before, "the outside canary folder changed"
    for target in OUTSIDE_TARGETS:
        assert not target.exists(), f"{target} was written from the sandbox"
    blob = json.dumps(result.to_dict())
    assert canaries.secret not in blob, "a secret leaked into the result"
    for path in workdir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert canaries.secret.encode() not in path.read_bytes(), f"secret in {path}"
    assert wait_until_no_sandbox(workdir.parent) == [], "sandbox processes outlived the job"


@pytest.mark.parametrize("mode", ["checked", "unchecked"])
@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_hostile_program_is_contained(program, mode, canaries, transitions, tmp_path):
    expected = expectations(program)[mode]
    source = (program.read_text().replace("@CANARY_DIR@", str(canaries.outside))
              .replace("@CANARY_PORT@", str(canaries.port))
              .replace("@REPO_DIR@", str(REPO_DIR))
              .replace("@SECRET_FILE@", str(canaries.outside / "secret.txt"))
              .replace("@SECRET_HOME@", str(canaries.outside / "home")))
    before = canaries.outside_snapshot()
    t0 = time.perf_counter()
    result = run_smoke(source, tmp_path / "job", transitions,
                       skip_static_check=(mode == "unchecked"))
    elapsed = time.perf_counter() - t0
    outcome = "ok" if result.ok else result.error_kind
    assert outcome in expected, (
        f"{program.name} ({mode}): got {outcome}: {result.error}\n{result.log_tail}")
    if not result.ok:
        assert result.error and len(result.error) <= 4000
    assert elapsed < LIMITS.wall_s + 8, f"{program.name} took {elapsed:.1f} s"
    assert_contained(canaries, before, tmp_path / "job", result)
    if mode == "unchecked":  # the parent is alive (we are) and the next job runs fine
        after = run_smoke(GOOD, tmp_path / "next", transitions)
        assert after.ok, after.error


def test_corpus_is_large_and_covers_the_brief():
    names = {p.stem for p in PROGRAMS}
    assert len(names) >= 30
    for needed in ("fork_bomb", "memory_bomb_list", "memory_bomb_numpy", "cpu_spin",
                   "sleep_forever", "deep_recursion", "write_outside_open", "read_ssh_key",
                   "env_secret_leak", "connect_listener", "subprocess_shell", "os_system",
                   "ctypes_libc", "subclasses_escape", "generator_frame_escape",
                   "importlib_escape", "signal_ignore_spin", "kill_everything", "nan_reward",
                   "inf_component", "wrong_shape", "wrong_dtype", "nondeterministic",
                   "slow_reward"):
        assert needed in names
