"""The sandboxed worker: loads one untrusted reward program and runs one trusted job on it.

Started by ``rewardsmith.sandbox.runner`` as ``python -I -B worker.py --pkg-root DIR`` inside the
OS isolation of ``rewardsmith.sandbox.isolation``, with the job's folder as its working directory:

1. read ``job.json`` (written by the parent: job kind, arguments, limits);
2. lower its own rlimits and install the seccomp filter, before any untrusted code exists here;
3. load ``reward.py`` (and ``fitness.py``, a written success measure, when the job has one) into
   a fresh namespace: this file is the only place in rewardsmith that compiles and executes a
   candidate's code;
4. run ``rewardsmith.sandbox.jobs.job_function(kind)(reward_fn, workdir, emit, **args)``;
5. write ``result.json`` (and progress events to ``events.jsonl``), then exit: 0 when the job
   succeeded, 1 with a one-line reason on stderr when it did not.

Everything the candidate can touch (this process, this folder) is untrusted afterwards: the
parent reads ``result.json`` and ``events.jsonl`` as data only.
"""

from __future__ import annotations

import builtins
import errno
import importlib
import json
import os
import resource
import shutil
import socket
import stat
import sys
import time
import traceback

REWARD_FILE = "reward.py"
FITNESS_FILE = "fitness.py"  # only when the job's "fitness" is true
MAX_EVENT_CHARS = 65_536  # one events.jsonl line; the parent refuses longer ones
CLONE_THREAD = 0x00010000
# clone() flags that create namespaces. A new user namespace holds every capability inside it
# (then mount, more namespaces, kernel attack surface), so no job kind may create one.
CLONE_NAMESPACE_FLAGS = {
    "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
# Syscalls no reward or training job needs, denied in every job kind; several are classic
# container-escape helpers (namespaces, mounts, module loading, kernel keyrings).
DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl",
    "add_key", "request_key", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
    "kexec_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
    "name_to_handle_at", "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl",
)
# The new mount API (Linux 5.2+); denied too, when this libseccomp knows the names.
DENIED_IF_KNOWN = ("fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
                   "mount_setattr", "kexec_file_load")


class CandidateError(Exception):
    """The candidate's own code raised (while loading, or inside ``compute_reward``)."""

    def __init__(self, error_kind: str, message: str):
        super().__init__(message)
        self.error_kind = error_kind


def main() -> None:
    """Run the job described by ``job.json`` in the current directory, then exit."""
    started = time.perf_counter()
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    _set_rlimits(job["limits"])
    sys.path.insert(0, sys.argv[sys.argv.index("--pkg-root") + 1])
    events = open("events.jsonl", "a", encoding="utf-8")  # noqa: SIM115  (open until exit)

    def emit(event: dict) -> None:
        line = json.dumps(event, default=str)
        if len(line) > MAX_EVENT_CHARS:  # cut long texts, never the JSON (the parent refuses it)
            line = json.dumps({k: v[:1000] if isinstance(v, str) else v
                               for k, v in event.items()}, default=str)
        if len(line) <= MAX_EVENT_CHARS:
            events.write(line + "\n")
            events.flush()

    outcome = {"ok": False, "kind": job["kind"], "result": None, **_run(job, emit, started)}
    outcome["worker_s"] = round(time.perf_counter() - started, 3)
    _write_result(outcome)
    if not outcome["ok"]:
        reason = f"{outcome['error_kind']}: {outcome['error']}".splitlines()[0]
        print(f"rewardsmith worker: {reason}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if outcome["ok"] else 1)  # never wait for threads the candidate started


def _run(job: dict, emit, started: float) -> dict:
    """Install the filter, load the candidate, run the job; map every failure to a kind."""
    limits = job["limits"]
    try:
        import numpy  # noqa: F401  (loaded before the filter and the candidate, on purpose)

        from rewardsmith.errors import RewardContractError
        from rewardsmith.sandbox.jobs import PRELOAD, PRELOAD_COMMON, job_function

        for module in (*PRELOAD_COMMON, *PRELOAD.get(job["kind"], ())):
            importlib.import_module(module)
        run_job = job_function(job["kind"])  # imported before the filter, like PRELOAD
    except Exception as e:  # noqa: BLE001  (any import failure is reported, not raised)
        traceback.print_exc()
        return {"error_kind": "job", "error": f"the sandbox worker could not import "
                f"rewardsmith ({type(e).__name__}: {e}); reinstall rewardsmith"}
    try:
        seccomp = _install_seccomp(job.get("seccomp"), limits["allow_subprocess"])
        emit({"event": "worker_ready", "seccomp": seccomp,
              "startup_s": round(time.perf_counter() - started, 3)})
        reward_fn = _load_reward() if job.get("reward", True) else None
        args = dict(job.get("args", {}))
        if job.get("fitness"):
            args["fitness_fn"] = _load_program(FITNESS_FILE, "compute_fitness")
        result = run_job(reward_fn, os.getcwd(), emit, **args)
        if isinstance(result, dict) and result.get("ok") is False:  # failed, with details
            return {"result": result, "error_kind": result.get("error_kind") or job["kind"],
                    "error": str(result.get("message") or "the job failed")}
        return {"ok": True, "result": result}
    except CandidateError as e:
        return {"error_kind": e.error_kind, "error": str(e)}
    except RewardContractError as e:
        return {"error_kind": "contract", "error": str(e)}
    except MemoryError:
        return {"error_kind": "memory", "error": (
            f"the reward ran out of memory (the limit is {limits['memory_mb']} MB); "
            f"compute_reward must work on the (B,)-shaped state arrays without building "
            f"large intermediate arrays")}
    except RecursionError:
        return {"error_kind": "runtime", "error": "compute_reward recursed too deeply "
                "(RecursionError); use vectorised numpy instead of recursion"}
    except Exception as e:  # noqa: BLE001  (every failure becomes a result for the designer)
        where = _candidate_line(e.__traceback__)
        if where:
            return {"error_kind": "runtime", "error": f"compute_reward raised "
                    f"{type(e).__name__} at {where}: {str(e)[:1500]}"}
        traceback.print_exc()
        return {"error_kind": "job", "error": f"the {job['kind']} job failed "
                f"({type(e).__name__}): {str(e)[:1500]}"}


def _set_rlimits(limits: dict) -> None:
    """Lower this process's limits (children inherit them); a process can always lower its own."""
    mb = 1 << 20
    wanted = {
        resource.RLIMIT_AS: limits["memory_mb"] * mb,
        resource.RLIMIT_CPU: (int(limits["cpu_s"]), int(limits["cpu_s"]) + 5),
        resource.RLIMIT_NPROC: limits["nproc"],
        resource.RLIMIT_NOFILE: limits["nofile"],
        resource.RLIMIT_FSIZE: limits["fsize_mb"] * mb,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in wanted.items():
        soft, hard = value if isinstance(value, tuple) else (value, value)
        _, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(which, (soft, hard))


def _install_seccomp(wanted: str | None, allow_subprocess: bool) -> str | None:
    """Deny network sockets, namespaces, escape helpers and (unless allowed) fork/exec.

    In every job kind: ``DENIED_SYSCALLS`` (``unshare``, ``setns``, ``mount``, ``umount2``,
    ``pivot_root``, ...) and ``clone`` with any namespace flag answer ``EPERM``; ``clone3``
    answers ``ENOSYS``, because seccomp cannot read its flags (they are in memory) and glibc then
    falls back to ``clone`` for threads, ``fork`` and ``posix_spawn``. Without
    ``allow_subprocess``, ``fork``/``vfork``/``execve`` and a ``clone`` without ``CLONE_THREAD``
    (a new process) are denied too; threads stay allowed. The filter covers every thread
    (``CTL_TSYNC``) and is inherited by children. Returns the module's name, None without one.
    """
    if not wanted:
        return None
    seccomp = __import__(wanted)
    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    try:  # threads started before the filter (by an import) get it too
        rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)
    except (AttributeError, OSError, RuntimeError, ValueError):
        pass  # libseccomp < 2.2: the calling thread and its future children only
    rules.add_rule(deny, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    for name in DENIED_SYSCALLS:
        rules.add_rule(deny, name)
    for name in DENIED_IF_KNOWN:
        try:
            rules.add_rule(deny, name)
        except (OSError, RuntimeError, ValueError):
            pass  # a libseccomp too old to know it; the kernel is likely too old to have it
    for flag in CLONE_NAMESPACE_FLAGS.values():  # rules for one syscall are OR-ed
        rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    if not allow_subprocess:
        for name in ("fork", "vfork", "execve", "execveat"):
            rules.add_rule(deny, name)
        # A clone without CLONE_THREAD is a new process; threads stay allowed.
        rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    rules.load()
    return wanted


def _load_reward():
    """Execute ``reward.py`` in a fresh namespace and return a guarded ``compute_reward``."""
    return _load_program(REWARD_FILE, "compute_reward")


def _load_program(file_name: str, entry: str):
    """Execute ``file_name`` in a fresh namespace and return its guarded ``entry`` function.

    ``reward.py`` (``compute_reward``) always; ``fitness.py`` (``compute_fitness``) too when the
    job measures success with a written fitness program (the same untrusted code, the same rules).
    """
    with open(file_name, encoding="utf-8") as f:
        source = f.read()
    namespace = {"__name__": file_name[:-3], "__file__": file_name, "__builtins__": builtins}
    try:
        code = compile(source, file_name, "exec")
        exec(code, namespace)  # noqa: S102  (the one place a candidate's code runs)
    except SyntaxError as e:
        raise CandidateError("load", f"{file_name} line {e.lineno}: syntax error: {e.msg}") \
            from e
    except (MemoryError, RecursionError):
        raise
    except BaseException as e:  # SystemExit from the candidate, too
        where = _candidate_line(e.__traceback__) or file_name
        raise CandidateError("load", f"{file_name} raised {type(e).__name__} at {where} while "
                             f"being loaded: {str(e)[:1000]}") from e
    fn = namespace.get(entry)
    if not callable(fn):
        raise CandidateError("load", f"{file_name} defines no function {entry}(state, "
                             "action, next_state)")
    error_kind = "runtime" if file_name == REWARD_FILE else "fitness"

    def program(state, action, next_state):
        try:
            return fn(state, action, next_state)
        except (MemoryError, RecursionError):
            raise
        except BaseException as e:
            where = _candidate_line(e.__traceback__) or file_name
            raise CandidateError(error_kind, f"{entry} raised {type(e).__name__} at "
                                 f"{where}: {str(e)[:1000]}") from e

    program.origin = file_name
    return program


def _candidate_line(tb) -> str | None:
    """``"reward.py line N (code)"`` for the innermost traceback frame in the candidate."""
    found = None
    for frame in traceback.extract_tb(tb):
        if frame.filename in (REWARD_FILE, FITNESS_FILE):
            found = f"{frame.filename} line {frame.lineno}" + (
                f" (`{frame.line}`)" if frame.line else "")
    return found


def _write_result(outcome: dict) -> None:
    try:
        text = json.dumps(outcome, allow_nan=False, default=_json_default)
    except (TypeError, ValueError) as e:
        text = json.dumps({"ok": False, "kind": outcome.get("kind"), "error_kind": "job",
                           "error": f"the job's result is not JSON: {e}"})
    try:  # the candidate may have planted a file, a symlink or a folder here
        if stat.S_ISDIR(os.lstat("result.json").st_mode):
            shutil.rmtree("result.json")
        else:
            os.unlink("result.json")
    except FileNotFoundError:
        pass
    with open("result.json.tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace("result.json.tmp", "result.json")


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


if __name__ == "__main__":
    main()
