"""What a sandboxed job's outcome means: the worker's files, read as data, become a result.

Everything the worker leaves in its folder was written by untrusted code. ``result.json`` and the
log are read through :func:`~rewardsmith.sandbox.outputs.read_sandbox_file` (bounded, regular
files, never through a symlink), a job's result is checked against the shape its kind returns,
and every way a job can end (finished, failed, timed out, out of CPU or memory, killed) becomes a
:class:`SandboxResult` whose ``error`` is a short message for the designer.
"""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.isolation import IsolationLimits
from rewardsmith.sandbox.outputs import MAX_RESULT_BYTES, read_sandbox_file
from rewardsmith.sandbox.shapes import OutputRefused, check_result, parse_json

__all__ = ["ERROR_KINDS", "SandboxResult", "check_outputs", "log_tail", "read_outcome",
           "to_result"]

# "output": the job's result, events or files broke the rules (planted, oversized, malformed).
# "fitness": a written fitness program failed its static check, or raised while scoring.
ERROR_KINDS = ("static", "load", "runtime", "contract", "smoke", "timeout", "cpu", "memory",
               "crashed", "job", "output", "fitness", "fitness_smoke")


@dataclass
class SandboxResult:
    """The outcome of one sandboxed job.

    Attributes:
        ok: the job ran to the end and succeeded.
        kind: the job kind (``"smoke"``, ``"train"``, ...).
        result: what the job returned (JSON data), also on some failures (a failed smoke test).
        error: a short, specific message for the designer, or None.
        error_kind: one of ``ERROR_KINDS``, or None.
        wall_s: seconds from the static check to the end (preparing inputs included).
        layers: isolation layers that were active.
        returncode: the sandbox's exit status (None when no process was started).
        log_tail: last lines of the worker's output, for humans debugging (not for the LLM).
    """

    ok: bool
    kind: str
    result: dict[str, Any] | None
    error: str | None
    error_kind: str | None
    wall_s: float
    layers: list[str] = field(default_factory=list)
    returncode: int | None = None
    log_tail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for ``smoke.json`` and the run directory)."""
        return asdict(self)


def read_outcome(workdir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The worker's ``result.json`` as a JSON object, or None and why it could not be used."""
    try:
        data = read_sandbox_file(workdir / "result.json", MAX_RESULT_BYTES, root=workdir,
                                 strict=True)
        value = parse_json(data, "result.json")
    except OutputRefused as e:
        return None, None if e.missing else str(e)
    if not isinstance(value, dict):
        return None, "result.json is not a JSON object"
    return value, None


def log_tail(workdir: Path, n_lines: int = 20) -> str:
    """The worker log's last lines, bounded and decoded (for people debugging, not the LLM)."""
    data = read_sandbox_file(workdir / "worker.log", max_bytes=8192, root=workdir,
                             tail=True) or b""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-n_lines:])


def check_outputs(result: SandboxResult, event_problem: str | None) -> SandboxResult:
    """Fail a job whose events were forged or whose result does not have its kind's shape.

    A failed job keeps its own error (the events of a job that timed out are beside the point)
    and its result only when that has the right shape too.
    """
    advice = ("compute_reward must only return values: writing into the job's files, or "
              "changing the code that writes them, fails the candidate")
    if not result.ok:
        if result.result is not None:
            try:
                result.result = check_result(result.kind, result.result)
            except OutputRefused:
                result.result = None
        return result
    if event_problem is not None:
        return _output_failure(result, f"the {result.kind} job's progress events were not the "
                                       f"ones a job writes: {event_problem}; {advice}")
    try:
        result.result = check_result(result.kind, result.result)
    except OutputRefused as e:
        return _output_failure(result, f"the {result.kind} job's result is not what a "
                                       f"{result.kind} job returns: {e}; {advice}")
    return result


def _output_failure(result: SandboxResult, error: str) -> SandboxResult:
    return SandboxResult(False, result.kind, None, error[:4000], "output", result.wall_s,
                         returncode=result.returncode, log_tail=result.log_tail)


def to_result(kind: str, outcome: dict[str, Any] | None, status: int,
               stopped: tuple[bool, bool, bool], limits: IsolationLimits,
               log_tail: str, unreadable: str | None = None) -> SandboxResult:
    """Map the worker's outcome (or its absence) to a result with a message for the designer.

    ``stopped`` says whether the wall limit was hit, the CPU limit was reached, and the
    cgroup's OOM killer struck; ``unreadable`` why a ``result.json`` that exists was refused.
    """
    timed_out, cpu_exceeded, oom = stopped

    def fail(error_kind: str, error: str, result: Any = None) -> SandboxResult:
        return SandboxResult(False, kind, result if isinstance(result, dict) else None,
                             error[:4000], error_kind, 0.0, returncode=status, log_tail=log_tail)

    if timed_out:
        return fail("timeout", f"the {kind} job did not finish within its wall-time limit of "
                    f"{limits.wall_s:g} s and was stopped; compute_reward may loop forever, "
                    f"sleep, or be far too slow: use vectorised numpy with no Python loops over "
                    f"the batch")
    if outcome is not None and status in (0, 1):
        if outcome.get("ok") is True and status == 0:
            result = outcome.get("result")
            return SandboxResult(True, kind, result if isinstance(result, dict) else
                                 {"value": result}, None, None, 0.0, returncode=status,
                                 log_tail=log_tail)
        error_kind, error = outcome.get("error_kind"), outcome.get("error")
        if error_kind in ERROR_KINDS and isinstance(error, str):
            return fail(error_kind, error, outcome.get("result"))
    signum = status - 128 if status > 128 else -status if status < 0 else 0
    if signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_exceeded):
        return fail("cpu", f"the {kind} job used more than its CPU-time limit of "
                    f"{limits.cpu_s} s and was stopped; compute_reward is far too slow")
    if oom:
        return fail("memory", f"the {kind} job's processes together used more than their "
                    f"memory limit of {limits.memory_mb + 512} MB and were killed; "
                    f"compute_reward must not build large arrays or start processes")
    if signum:
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        return fail("crashed", f"the {kind} job was killed by {name}; this happens when "
                    f"compute_reward exhausts memory (limit {limits.memory_mb} MB) or the "
                    f"stack (deep recursion), or when it kills its own process")
    reason = [line for line in log_tail.splitlines() if line.startswith("rewardsmith worker:")]
    detail = f" ({reason[-1][:300]})" if reason else ""
    if unreadable:
        detail += f" ({unreadable})"
    return fail("crashed", f"the {kind} job exited with status {status} before writing its "
                f"result{detail}; compute_reward must return its values, not end the process")
