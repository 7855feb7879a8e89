"""OS isolation of the sandbox worker: its limits, the layers this machine offers, its command.

The worker runs LLM-written code, so it gets no network, no credentials, one writable folder and
bounded resources (``sandbox/README.md`` says what each layer stops). The wrapping depends on
what the kernel allows, detected once per process: ``bwrap`` (network, pid, ipc and uts
namespaces, a minimal read-only root plus the job's folder, then ``setpriv`` to a fresh non-root
uid when we are root, since ``RLIMIT_NPROC`` does not bind root), else ``unshare`` (network and
pid namespaces only), else nothing, which callers refuse unless told ``allow_unsafe=True``.
cgroup limits apply when ``/sys/fs/cgroup`` is writable. The worker sets its own rlimits and
seccomp filter before it loads the candidate (``sandbox/worker.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rewardsmith.resources import resource_dir

Mode = Literal["bwrap", "unshare", "none"]

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION", re.IGNORECASE)
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What the dynamic loader, numpy, torch and MuJoCo read from /etc; the rest of /etc (pip.conf
# with index tokens, ssh config, ...) stays out.
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
              "passwd", "group", "nsswitch.conf", "mime.types", "os-release", "glvnd", "drirc")


@dataclass(frozen=True)
class IsolationLimits:
    """Resource limits of one sandboxed job (defaults in ``sandbox/policy.toml``).

    Attributes:
        memory_mb: address-space limit (``RLIMIT_AS``); the CPU torch wheel needs >= 768.
        cpu_s: CPU seconds (``RLIMIT_CPU``); SIGXCPU, then SIGKILL 5 s later.
        wall_s: wall-clock seconds; the whole sandbox is then killed.
        nproc: processes plus threads of the sandbox uid (``RLIMIT_NPROC``).
        nofile: open file descriptors.
        fsize_mb: largest file the job may write.
        tmpfs_mb: size of the sandbox's private ``/tmp``.
        allow_subprocess: whether the seccomp filter lets the job fork and exec (training
            needs it to encode the video with ffmpeg; the smoke test does not).
    """

    memory_mb: int = 2048
    cpu_s: int = 3600
    wall_s: float = 3600.0
    nproc: int = 64
    nofile: int = 256
    fsize_mb: int = 512
    tmpfs_mb: int = 64
    allow_subprocess: bool = False

    @classmethod
    def from_policy(cls, kind: str | None = None, path: Path | None = None) -> IsolationLimits:
        """Read ``[limits]`` and, when given, ``[limits.<kind>]`` from the policy file.

        Args:
            kind: job kind (``"smoke"``, ``"train"``, ...) whose overrides apply.
            path: policy file; ``sandbox/policy.toml`` by default.
        """
        path = path or resource_dir("sandbox") / "policy.toml"
        with open(path, "rb") as f:
            table = tomllib.load(f).get("limits", {})
        values = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if kind is not None:
            values.update(table.get(kind, {}))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"{path}: unknown limit(s) {sorted(unknown)}; known: {sorted(names)}")
        return cls(**values)

    def replace(self, **changes: Any) -> IsolationLimits:
        """A copy with some limits changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The limits as a JSON-friendly dict (what the worker reads from ``job.json``)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Layer:
    """One isolation layer: whether it is active for sandboxed jobs here, and how."""

    name: str
    active: bool
    detail: str


@dataclass(frozen=True)
class IsolationReport:
    """What :func:`detect_isolation_layers` found on this machine.

    Attributes:
        mode: how the worker is wrapped (``bwrap``, ``unshare`` or ``none``).
        drop_uid: run the worker under a fresh non-root uid (we are root and can).
        cgroup: per-job cgroup (v1) memory and pids limits are possible.
        seccomp: the importable seccomp module (``pyseccomp`` or ``seccomp``), or None.
        layers: every layer, active or not, for reports and ``rewardsmith check``.
    """

    mode: Mode
    drop_uid: bool
    cgroup: bool
    seccomp: str | None
    layers: tuple[Layer, ...]

    @property
    def network_isolated(self) -> bool:
        """True when the worker gets its own network namespace."""
        return self.mode != "none"

    def active_names(self) -> list[str]:
        """Names of the active layers."""
        return [layer.name for layer in self.layers if layer.active]


def _probe(cmd: list[str]) -> bool:
    try:
        done = subprocess.run(cmd, check=False, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        return done.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=1)
def detect_isolation_layers() -> IsolationReport:
    """Find which isolation layers work here (probes run once per process, ~50 ms).

    Returns:
        The report; ``mode == "none"`` means no network isolation is possible, and
        ``rewardsmith.sandbox.runner`` then refuses to run unless told ``allow_unsafe=True``.
    """
    root = os.geteuid() == 0
    bwrap, unshare, setpriv = (shutil.which(n) for n in ("bwrap", "unshare", "setpriv"))
    user = [] if root else ["--unshare-user"]
    mode: Mode = "none"
    if bwrap and _probe([bwrap, *user, "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/",
                         "--dev", "/dev", "--proc", "/proc", "true"]):
        mode = "bwrap"
    elif unshare and _probe([unshare, *_unshare_flags(root), "true"]):
        mode = "unshare"
    drop_uid = bool(root and setpriv and (mode == "bwrap" or _world_readable(sys.executable)))
    seccomp = next((m for m in ("pyseccomp", "seccomp") if importlib.util.find_spec(m)), None)
    cgroup = _cgroup_available()
    how = {"bwrap": "bubblewrap", "unshare": "unshare(1)", "none": "unavailable"}[mode]
    layers = (
        Layer("network namespace", mode != "none", how),
        Layer("pid namespace", mode != "none", how),
        Layer("read-only root, private writable dir", mode == "bwrap", how),
        Layer("non-root uid", drop_uid or not root,
              "setpriv to a fresh uid" if drop_uid else ("not root" if not root else "no")),
        Layer("seccomp filter", seccomp is not None, seccomp or "pip install pyseccomp"),
        Layer("rlimits", True, "AS, CPU, NPROC, NOFILE, FSIZE, CORE"),
        Layer("cgroup memory and pids limits", cgroup,
              "cgroup v1" if cgroup else "needs a writable /sys/fs/cgroup/{memory,pids}"),
        Layer("environment scrubbed", True, "allow-list of variables"),
    )
    return IsolationReport(mode, drop_uid, cgroup, seccomp, layers)


def _unshare_flags(root: bool) -> list[str]:
    user = [] if root else ["--user", "--map-root-user"]
    return [*user, "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]


def _world_readable(path: str) -> bool:
    """Whether a uid other than the owner can reach ``path`` (every folder o+x, file o+r)."""
    p = Path(os.path.realpath(path))
    return all(q.stat().st_mode & 0o001 for q in p.parents) and bool(p.stat().st_mode & 0o004)


def _cgroup_available() -> bool:
    try:
        JobCgroup(IsolationLimits()).remove()
    except OSError:
        return False
    return True


class JobCgroup:
    """Per-job cgroup (v1) memory and pids limits: they cap the whole sandbox, forks included.

    ``RLIMIT_AS`` bounds each process and ``RLIMIT_NPROC`` their number, so without a cgroup a
    job allowed to fork could still use ``nproc x memory_mb`` in all.
    """

    def __init__(self, limits: IsolationLimits):
        name = f"job-{os.getpid()}-{secrets.token_hex(4)}"
        # pids.max counts bwrap's two processes and the shell too; the memory limit leaves
        # 512 MB over RLIMIT_AS for the page cache the job's files charge to it.
        settings = {"memory": ("memory.limit_in_bytes", (limits.memory_mb + 512) << 20),
                    "pids": ("pids.max", limits.nproc + 4)}
        self.dirs: list[Path] = []
        try:
            for controller, (key, value) in settings.items():
                path = _CGROUP_ROOT / controller / "rewardsmith" / name
                path.parent.mkdir(exist_ok=True)
                path.mkdir()
                self.dirs.append(path)
                (path / key).write_text(str(value))
        except OSError:
            self.remove()
            raise

    def wrap(self, cmd: list[str]) -> list[str]:
        """Prefix ``cmd`` with a shell that joins the cgroups, then execs the sandbox."""
        script = 'for d; do [ "$d" = -- ] && break; echo $$ > "$d/cgroup.procs" || exit 125; ' \
                 'shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *map(str, self.dirs), "--", *cmd]

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the job for exceeding the memory limit."""
        try:
            text = (self.dirs[0] / "memory.oom_control").read_text()
        except (OSError, IndexError):
            return False
        return any(line.split()[1] != "0" for line in text.splitlines()
                   if line.startswith("oom_kill "))

    def remove(self) -> None:
        """Delete the cgroups (retrying while the kernel reaps the job's last processes)."""
        for path in self.dirs:
            for _ in range(40):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def scrubbed_env(workdir: Path) -> dict[str, str]:
    """The worker's whole environment: an allow-list, so no API key or token can reach it."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir),
           "LANG": "C.UTF-8", "MUJOCO_GL": "egl", "PYOPENGL_PLATFORM": "egl",
           **{v: "1" for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}}
    assert not any(_SECRET.search(k) for k in env)  # catch common mistake when extending it
    return env


def sandbox_uid() -> int:
    """A fresh uid for one worker, so workers never share an ``RLIMIT_NPROC`` count or files."""
    return 200_000 + secrets.randbelow(800_000)


def build_command(report: IsolationReport, limits: IsolationLimits, workdir: Path,
                  argv: list[str], uid: int | None = None) -> list[str]:
    """Wrap the worker's ``argv`` (``[python, -I, worker.py, ...]``) in the isolation layers.

    Args:
        report: from :func:`detect_isolation_layers`.
        limits: the job's limits (the private ``/tmp`` size is applied here).
        workdir: the job's folder: the only writable path, and the working directory.
        argv: the worker command line.
        uid: the non-root uid to run as when ``report.drop_uid`` (see :func:`sandbox_uid`).
    """
    drop = []
    if report.drop_uid:
        if uid is None:
            raise ValueError("build_command needs a uid when the report says drop_uid")
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    if report.mode == "none":
        return [*drop, *argv]
    if report.mode == "unshare":
        return ["unshare", *_unshare_flags(os.geteuid() == 0), "--", *drop, *argv]
    return ["bwrap", *_bwrap_args(limits, workdir, report.drop_uid), "--", *drop, *argv]


def _bwrap_args(limits: IsolationLimits, workdir: Path, drop_uid: bool) -> list[str]:
    args = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--hostname", "sandbox"]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    # /dev, /proc and the private /tmp first: a later mount on top of them (a package or a
    # job folder under /tmp) stays visible, where a tmpfs mounted afterwards would hide it.
    args.extend(["--dev", "/dev", "--proc", "/proc",
                 "--size", str(limits.tmpfs_mb << 20), "--perms", "1777", "--tmpfs", "/tmp"])
    made: set[str] = {"/", "/dev", "/proc", "/tmp"}  # paths that exist in the sandbox
    bound: set[str] = set()  # mounted paths: everything below them is already there

    def ensure_parents(dest: str) -> None:
        # bwrap creates missing parents with mode 0700 when run as root; the non-root uid
        # must be able to walk through them.
        for parent in reversed(Path(dest).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args.extend(["--perms", "0755", "--dir", str(parent)])

    def ro_bind(path: str) -> None:
        if path not in made and os.path.exists(path):
            ensure_parents(path)
            args.extend(["--ro-bind", path, path])
            made.add(path)
            bound.add(path)

    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args.extend(["--symlink", os.readlink(path), path])
            made.add(path)
        else:
            ro_bind(path)
    args.extend(["--perms", "0755", "--dir", "/etc"])
    made.add("/etc")
    for name in _ETC_FILES:
        ro_bind(f"/etc/{name}")
    for path in sorted(_python_paths(), key=lambda p: (p.count("/"), p)):
        if not any(path.startswith(b + "/") for b in bound):
            ro_bind(path)
    work = str(workdir)
    ensure_parents(work)
    args.extend(["--bind", work, work, "--chdir", work])
    if drop_uid:
        args.extend(["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"])
    return args


def _python_paths() -> set[str]:
    """Folders the worker's interpreter needs: its installation and the rewardsmith package."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                os.path.dirname(os.path.realpath(sys.executable))}
    paths = {os.path.realpath(p) for p in prefixes}
    # Installed packages outside the prefixes (e.g. a user site-packages), but never the
    # current directory or a project checkout, which may hold secrets such as a .env file.
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry):
            paths.add(os.path.realpath(entry))
    package = Path(__file__).resolve().parents[1]  # the rewardsmith package
    paths.add(str(package))
    for name in ("sandbox", "envs", "prompts"):
        paths.add(str(resource_dir(name).resolve()))
    return {p for p in paths if os.path.isdir(p) and p != "/"}


def package_root() -> Path:
    """The folder to put on the worker's ``sys.path`` so ``import rewardsmith`` works."""
    return Path(__file__).resolve().parents[2]
