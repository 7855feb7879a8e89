"""The hostile corpus: every program in tests/sandbox/hostile/ is contained, fails clearly, fast.

Each program runs twice: through the normal path (the static check first) and with the static
check skipped, so the OS isolation alone has to contain it. Containment is checked by canaries:

- listeners that must receive nothing: TCP and UDP on 127.0.0.1, a unix socket in a folder
  outside the job, and abstract unix sockets (stream and datagram);
- an outside folder (mode 0777, so only the sandbox keeps writes out) whose files hold a secret
  and that must not change;
- a file planted next to the job folder, owned by root with mode 0600, whose owner, mode,
  content and modification time must not change (nor may its folder gain or lose files), and
  files mounted read-only into every sandbox (/etc/passwd, the interpreter, numpy) likewise;
- secrets in the parent's environment (fake API keys) that must never show up in the result or
  in anything the worker wrote;
- a victim process outside the sandbox that must stay alive, and no sandbox process left behind;
- a good reward that still runs right after a job that was killed (the parent is alive, and
  we are it), and once more after the whole corpus.

Every program states what it tries in its docstring and declares its expected outcome per mode
(``expect:`` with the static check, ``expect-unchecked:`` without it); it may add a regular
expression the error must match (``error:``, ``error-unchecked:``), so that "fails clearly" is
checked too, and a shorter wall-time limit (``wall-s:``) when it only sleeps. The job folder
also holds two planted pickles (``planted.pkl``, ``planted.npy``) whose loading runs code, for the
programs that try ``np.load(allow_pickle=True)`` and ``np.lib.format.read_array``.

The ``forge_*`` programs (in-place writes to the state) also train, once each, and the score
their job reports must be the one a trusted replay of their policy measures
(:mod:`rewardsmith.testing.honest_score`; marked slow).

Set ``REWARDSMITH_CORPUS_TIMES=<file>`` to get each run's outcome and time as JSON lines.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.sandbox.isolation import IsolationLimits, detect_isolation_layers
from rewardsmith.sandbox.runner import ERROR_KINDS, run_sandboxed, write_sandbox_input
from rewardsmith.testing.honest_score import check_score_not_forged
from rewardsmith.testing.processes import wait_until_no_sandbox

HOSTILE_DIR = Path(__file__).parent / "hostile"
PROGRAMS = sorted(HOSTILE_DIR.glob("*.py"))
FORGERS = [p for p in PROGRAMS if p.stem.startswith("forge_")]
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
                   Path("/tmp/pwned_open"), Path.home() / "pwned_open",
                   REPO_DIR / "rewardsmith" / "pwned_pkg.py",
                   Path(np.__file__).parent / "pwned_numpy.py",
                   Path(sys.prefix) / "pwned_prefix", REPO_DIR / "pwned_dump"]
# Mounted read-only into every sandbox: a write would reach every later job (and the host).
MOUNTED = [Path("/etc/passwd"), Path(sys.executable).resolve(), Path(np.__file__)]
TIMES_FILE = os.environ.get("REWARDSMITH_CORPUS_TIMES")
# Outcomes where the parent killed the sandbox or the kernel killed the worker: after those, a
# good job runs at once, to show that nothing the teardown left behind breaks the next one.
# (A job that ended on its own went through the worker's normal exit; the containment checks
# and the last test cover it, at half the corpus's time.)
KILLED = {"crashed", "timeout", "cpu", "memory"}

pytestmark = pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                                reason="no network isolation on this machine")


@dataclass
class Canaries:
    """What a contained program must leave untouched."""

    port: int
    outside: Path
    secret: str
    unix_path: Path
    abstract_name: str
    victim: subprocess.Popen
    received: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def outside_snapshot(self) -> set[str]:
        return {str(p.relative_to(self.outside)) for p in self.outside.rglob("*")}


def _listen(canaries: Canaries, listeners: list[socket.socket]) -> None:
    """Record every connection and datagram any canary socket receives."""
    while not canaries.stop.is_set():
        readable, _, _ = select.select(listeners, [], [], 0.1)
        for sock in readable:
            try:
                if sock.type == socket.SOCK_STREAM:
                    conn, _ = sock.accept()
                    with conn:
                        conn.settimeout(1)
                        canaries.received.append(b"<connection>" + conn.recv(1024))
                else:
                    canaries.received.append(b"<datagram>" + sock.recv(1024))
            except OSError:
                canaries.received.append(b"<accept failed>")


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
    unix_path = outside / "canary.sock"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(unix_path))
    unix.listen(8)
    unix_path.chmod(0o777)
    abstract_name = "rewardsmith-canary-" + secrets.token_hex(6)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + abstract_name)
    abstract.listen(8)
    abstract_dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract_dgram.bind("\0" + abstract_name + "-dgram")
    listeners = [tcp, udp, unix, abstract, abstract_dgram]
    victim = subprocess.Popen(["sleep", "3600"], stdin=subprocess.DEVNULL,
                              start_new_session=True)
    saved = {k: os.environ.get(k) for k in ("OPENAI_API_KEY", "REWARDSMITH_TEST_TOKEN", "HOME")}
    os.environ.update(OPENAI_API_KEY=secret, REWARDSMITH_TEST_TOKEN=secret,
                      HOME=str(outside / "home"))
    c = Canaries(port, outside, secret, unix_path, abstract_name, victim)
    thread = threading.Thread(target=_listen, args=(c, listeners), daemon=True)
    thread.start()
    yield c
    c.stop.set()
    thread.join(2)
    for sock in listeners:
        sock.close()
    victim.kill()
    victim.wait()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    shutil.rmtree(outside, ignore_errors=True)


@dataclass(frozen=True)
class Neighbour:
    """A pre-existing file next to the job folder (root-owned, mode 0600 when we are root)."""

    folder: Path
    file: Path

    def snapshot(self) -> tuple:
        info = os.stat(self.file, follow_symlinks=False)
        return (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid,
                info.st_mtime_ns, self.file.read_bytes(), sorted(os.listdir(self.folder)))


@pytest.fixture
def neighbour(tmp_path: Path, canaries: Canaries) -> Neighbour:
    folder = tmp_path / "neighbour"
    folder.mkdir()
    folder.chmod(0o777)  # as for the outside folder: only the sandbox may keep changes out
    file = folder / "precious.txt"
    file.write_text(f"precious {canaries.secret}\n")
    file.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(file, 0, 0)
    return Neighbour(folder, file)


@pytest.fixture(scope="module")
def transitions() -> dict[str, bytes]:
    from rewardsmith.rl.transitions import record_transitions

    out = {}
    for label, n, scale in (("random-action", 64, 1.0), ("near-start", 16, 0.1)):
        buffer = io.BytesIO()
        record_transitions(ENV_ID, n, 0, action_scale=scale).save(buffer)
        out[label] = buffer.getvalue()
    return out


@pytest.fixture(scope="module")
def planted(canaries: Canaries) -> dict[str, bytes]:
    """Pickles whose loading runs code, raw and inside an object-dtype ``.npy``.

    The protocol-0 pickle calls ``builtins.eval``: it returns the API key, else the secret
    file's content, else (contained) a sentence saying that it ran and found neither.
    """
    expression = ("(lambda os, path: os.environ.get('OPENAI_API_KEY') or (open(path).read() "
                  "if os.path.exists(path) else 'pickle ran: no API key, no file at ' + path))"
                  f"(__import__('os'), {str(canaries.outside / 'secret.txt')!r})")
    payload = b"cbuiltins\neval\n(V" + expression.encode() + b"\ntR."
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "|O", "fortran_order": False,
                                               "shape": (1,)})
    return {"planted.pkl": payload, "planted.npy": npy.getvalue() + payload}


@pytest.fixture(scope="module")
def timings():
    rows: list[dict] = []
    yield rows
    if TIMES_FILE and rows:
        with open(TIMES_FILE, "a", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


def run_smoke(source: str, workdir: Path, transitions: dict[str, bytes],
              extra_inputs: dict[str, bytes] | None = None, **options):
    files = {}
    for label, data in transitions.items():
        name = f"{label}.npz"
        write_sandbox_input(workdir, name, lambda f, data=data: f.write(data))
        files[label] = name
    for name, data in (extra_inputs or {}).items():
        write_sandbox_input(workdir, name, lambda f, data=data: f.write(data))
    return run_sandboxed("smoke", source, {"transitions": files}, workdir,
                         limits=options.pop("limits", LIMITS), **options)


def declarations(path: Path) -> dict[str, str]:
    """The ``key: value`` lines of a program's docstring (``expect``, ``error``, ``wall-s``)."""
    text = path.read_text()
    docstring = text[text.index('"""') + 3:text.index('"""', text.index('"""') + 3)]
    return dict(re.findall(r"^([a-z-]+): (.+)$", docstring, re.MULTILINE))


def expectations(path: Path) -> dict[str, set[str]]:
    found = declarations(path)
    return {mode: set(found[key].split())
            for mode, key in (("checked", "expect"), ("unchecked", "expect-unchecked"))}


def mounted_snapshot() -> list[tuple]:
    return [(info.st_mode, info.st_uid, info.st_size, info.st_mtime_ns)
            for info in map(os.stat, MOUNTED)]


def contains(path: Path, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether a file holds ``needle``, read in chunks (a job may leave a huge sparse file)."""
    with open(path, "rb") as f:
        tail = b""
        while block := f.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle):]
    return False


def assert_contained(canaries: Canaries, before: set[str], workdir: Path, result) -> None:
    assert canaries.received == [], "a canary listener received data from the sandbox"
    assert canaries.outside_snapshot() == before, "the outside canary folder changed"
    for target in OUTSIDE_TARGETS:
        assert not target.exists(), f"{target} was written from the sandbox"
    blob = json.dumps(result.to_dict())
    assert canaries.secret not in blob, "a secret leaked into the result"
    for path in workdir.rglob("*"):
        if path.is_file() and not path.is_symlink():  # no FIFO (it would block), no link
            assert not contains(path, canaries.secret.encode()), f"secret in {path}"
    assert wait_until_no_sandbox(workdir.parent) == [], "sandbox processes outlived the job"
    assert canaries.victim.poll() is None, "the victim process outside the sandbox was killed"


def substitute(source: str, canaries: Canaries, neighbour: Neighbour) -> str:
    return (source.replace("@CANARY_DIR@", str(canaries.outside))
            .replace("@CANARY_PORT@", str(canaries.port))
            .replace("@CANARY_UNIX@", str(canaries.unix_path))
            .replace("@CANARY_ABSTRACT@", canaries.abstract_name)
            .replace("@REPO_DIR@", str(REPO_DIR))
            .replace("@SECRET_FILE@", str(canaries.outside / "secret.txt"))
            .replace("@SECRET_HOME@", str(canaries.outside / "home"))
            .replace("@NEIGHBOUR_FILE@", str(neighbour.file))
            .replace("@VICTIM_PID@", str(canaries.victim.pid)))


@pytest.mark.parametrize("mode", ["checked", "unchecked"])
@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_hostile_program_is_contained(program, mode, canaries, neighbour, transitions, planted,
                                      timings, tmp_path):
    declared = declarations(program)
    expected = expectations(program)[mode]
    limits = LIMITS.replace(wall_s=float(declared.get("wall-s", LIMITS.wall_s)))
    source = substitute(program.read_text(), canaries, neighbour)
    before, neighbour_before = canaries.outside_snapshot(), neighbour.snapshot()
    mounted_before = mounted_snapshot()
    t0 = time.perf_counter()
    result = run_smoke(source, tmp_path / "job", transitions, planted, limits=limits,
                       skip_static_check=(mode == "unchecked"))
    elapsed = time.perf_counter() - t0
    outcome = "ok" if result.ok else result.error_kind
    timings.append({"program": program.stem, "mode": mode, "outcome": outcome,
                    "started": result.returncode is not None, "seconds": round(elapsed, 3)})
    assert outcome in expected, (
        f"{program.name} ({mode}): got {outcome}: {result.error}\n{result.log_tail}")
    if not result.ok:
        assert result.error and len(result.error) <= 4000
        pattern = declared.get("error" if mode == "checked" else "error-unchecked")
        if pattern:
            assert re.search(pattern, result.error), (
                f"{program.name} ({mode}): the error does not match {pattern!r}: {result.error}")
    # a hang guard: the wall limit ends every program; 20 s of room for a loaded machine
    assert elapsed < limits.wall_s + 20, f"{program.name} took {elapsed:.1f} s"
    assert_contained(canaries, before, tmp_path / "job", result)
    assert neighbour.snapshot() == neighbour_before, "the file next to the job changed"
    assert mounted_snapshot() == mounted_before, "a file mounted into the sandbox changed"
    if mode == "unchecked" and expected & KILLED:  # the next job runs fine after a kill
        after = run_smoke(GOOD, tmp_path / "next", transitions)
        assert after.ok, after.error


def test_a_good_reward_runs_after_the_corpus(transitions, tmp_path):
    """Whatever the corpus did (it runs first, in file order), the next job still succeeds."""
    result = run_smoke(GOOD, tmp_path / "next", transitions)
    assert result.ok, result.error


def score_mode(program: Path) -> str:
    """The mode a forger's score is checked in: without the static check when it trains there
    (so the state boundary alone has to hold), else with it."""
    return "unchecked" if "ok" in expectations(program)["unchecked"] else "checked"


@pytest.mark.slow
@pytest.mark.parametrize("program", FORGERS, ids=[p.stem for p in FORGERS])
def test_forger_reports_the_score_its_policy_earned(program, tmp_path):
    """A forge_* program trains, and what its job reports is what a trusted replay measures.

    The smoke run above shows that it is contained; this runs it the way the evaluator does
    (``rewardsmith.testing.honest_score``): a tiny training in the sandbox, then the saved policy
    replayed with a trusted reward in a fresh job. A program expected to fail must report no
    score at all.
    """
    mode = score_mode(program)
    check = check_score_not_forged(program.read_text(), tmp_path,
                                   skip_static_check=(mode == "unchecked"))
    assert not check.forged, f"{program.name} ({mode}): {check.describe()}"
    if "ok" in expectations(program)[mode]:
        assert check.train.ok, f"{program.name} ({mode}): {check.describe()}"
        assert check.reported is not None and check.reported == check.honest, check.describe()
    else:
        assert not check.train.ok and check.reported is None, check.describe()


def test_corpus_is_large_and_covers_the_brief():
    names = {p.stem for p in PROGRAMS}
    assert len(names) >= 75
    for needed in ("fork_bomb", "memory_bomb_list", "memory_bomb_numpy", "cpu_spin",
                   "sleep_forever", "deep_recursion", "write_outside_open", "read_ssh_key",
                   "env_secret_leak", "connect_listener", "subprocess_shell", "os_system",
                   "ctypes_libc", "subclasses_escape", "generator_frame_escape",
                   "importlib_escape", "signal_ignore_spin", "kill_everything", "nan_reward",
                   "inf_component", "wrong_shape", "wrong_dtype", "nondeterministic",
                   "slow_reward"):
        assert needed in names
    for needed in ("read_canary_files", "read_env_api_keys", "listen_tcp_udp",
                   "connect_unix_socket", "connect_abstract_unix_socket", "raw_packet_sockets",
                   "tamper_neighbour_file", "proc_self_root_escape", "proc_1_cwd_escape",
                   "proc_parent_fds", "kill_parent_and_init", "ptrace_attach",
                   "process_vm_readv", "keyctl_keyrings", "userfaultfd", "io_uring_setup",
                   "perf_event_open", "fork_bomb_ctypes", "thread_stack_bomb",
                   "numpy_outer_bomb", "fill_private_tmp", "sleep_in_select",
                   "recursion_limit_raised_numpy", "subclasses_builtin_importer",
                   "gc_get_objects", "frame_walk_getframe", "frame_walk_inspect",
                   "match_class_dunder_escape", "star_import_numpy_load",
                   "np_load_planted_pickle", "np_ctypeslib_as_array", "np_testing_runstring",
                   "np_lib_format_read_array", "global_counter_drift",
                   "return_ndarray_subclass", "return_array_ufunc", "return_huge_dict",
                   "return_object_array", "return_generator"):
        assert needed in names


def test_every_program_declares_its_outcome_with_known_kinds():
    kinds = {"ok", *ERROR_KINDS}
    for program in PROGRAMS:
        assert program.read_text().startswith("# ruff: noqa\n\"\"\"Hostile: "), program.name
        for mode, expected in expectations(program).items():
            assert expected and expected <= kinds, f"{program.name} ({mode}): {expected}"
        for key in ("error", "error-unchecked"):
            if key in declarations(program):
                re.compile(declarations(program)[key])
