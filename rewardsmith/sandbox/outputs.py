"""What comes back out of a sandboxed job: untrusted data, read here and nowhere else.

The candidate runs in the same process as the trusted job, so everything in a job's folder was
written, or could have been replaced, by hostile code: ``result.json``, ``events.jsonl``, the
metrics, the policy, the video. This module is the one place the parent touches those files:

- :func:`read_sandbox_file` is the one reader. It walks from the job's folder (which the parent
  created) to the file one component at a time with ``O_NOFOLLOW``, so no planted symlink is
  followed, not even as a parent folder; it opens with ``O_NONBLOCK``, so a FIFO cannot block
  the parent; it reads regular files only, and never more than a size cap (a 1 GB sparse file
  costs one ``fstat``).
- :func:`copy_outputs` copies the files a job is expected to leave, by name, into a folder of
  the parent, all or nothing, with the run directory's atomic writer (never through a symlink).
- :class:`EventReader` tails ``events.jsonl`` and passes on only the events a job writes, with
  the fields and types it writes them with; anything else is a problem that fails the job.
- :func:`check_result` and the shapes below validate JSON data before any caller sees it: a
  value of the wrong type becomes a short reason, never a ``TypeError`` deep inside the run.

Nothing here unpickles anything: the policy's pickles stay in the job's folder, and the parent
loads the tensors-only copy with :func:`rewardsmith.rl.safe_policy.load_safe_policy`.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from rewardsmith.errors import RewardsmithError
from rewardsmith.run_dir import (
    METRICS_JSON,
    POLICY_WEIGHTS_PT,
    TENSORBOARD_DIR,
    VECNORMALIZE_JSON,
    VIDEO_MP4,
    write_bytes,
)

MAX_RESULT_BYTES = 8 << 20  # result.json and metrics.json: a real one is well under 1 MB
MAX_EVENT_LINE = 1 << 16  # the worker cuts every event line at 64 KiB; a real one is ~200 bytes
MAX_EVENT_CHUNK = 1 << 20  # events.jsonl bytes read per poll
MAX_EVENTS_BYTES = 16 << 20  # a job writing more events than this is refused
MAX_EVENTS = 100_000
MAX_PROBLEMS = 5  # event problems kept for the message (the count is kept in full)


class OutputRefused(RewardsmithError):
    """A job's output is not what the job writes: missing, planted, oversized or malformed.

    Attributes:
        where: the file (relative to the job's folder) and, for data, the field.
        problem: what is wrong, with the expected and the actual value.
        missing: the file does not exist (a required file missing, or none was written).
    """

    def __init__(self, where: str, problem: str, *, missing: bool = False):
        super().__init__(f"{where} {problem}")
        self.where, self.problem, self.missing = where, problem, missing

    def __reduce__(self):  # keep it picklable (Ray, process pools) with its keyword argument
        return _refused, (self.where, self.problem, self.missing)


def _refused(where: str, problem: str, missing: bool) -> OutputRefused:
    return OutputRefused(where, problem, missing=missing)


# Reading ----------------------------------------------------------------------------------------
def read_sandbox_file(path: str | Path, max_bytes: int = MAX_RESULT_BYTES, *,
                      root: str | Path | None = None, tail: bool = False,
                      start: int | None = None, strict: bool = False) -> bytes | None:
    """Read a file a sandboxed job wrote: no symlinks, regular files only, bounded size.

    Args:
        path: the file.
        max_bytes: larger files are refused (or, with ``tail``, only their end is read).
        root: the job's folder, which the parent created: every component from there to the
            file is opened with ``O_NOFOLLOW``, so a folder the job replaced by a symlink is
            refused too. By default only the file itself is checked (its folder is trusted).
        tail: read the last ``max_bytes`` of a larger file instead of refusing it.
        start: read at most ``max_bytes`` from this offset, whatever the size (a growing log).
        strict: raise :class:`OutputRefused`, with the reason, instead of returning None.

    Returns:
        The content; None when the file is missing or refused (unless ``strict``).

    Raises:
        OutputRefused: with ``strict`` only: why the file was not read.
    """
    try:
        return _read(Path(path), max_bytes, root, tail, start)[0]
    except OutputRefused:
        if strict:
            raise
        return None


def _read(path: Path, max_bytes: int, root: str | Path | None, tail: bool,
          start: int | None) -> tuple[bytes, os.stat_result]:
    """The one implementation behind every read of a job's folder: content and ``fstat``."""
    base = Path(os.path.abspath(root if root is not None else path.parent))
    full = Path(os.path.abspath(path))
    try:
        rel = PurePosixPath(full.relative_to(base).as_posix())
    except ValueError:
        raise OutputRefused(str(path), f"is outside the job's folder {base}") from None
    fd = _open_below(base, rel, os.O_RDONLY | os.O_NONBLOCK)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which refuses a folder with its own error
        os.close(fd)
        raise OutputRefused(str(rel), f"is {_file_kind(info.st_mode)}, not a regular file")
    with os.fdopen(fd, "rb") as f:
        if start is not None:
            f.seek(start)
            return f.read(max_bytes), info
        if info.st_size > max_bytes:
            if not tail:
                raise OutputRefused(str(rel), f"is {info.st_size:,} bytes, more than the "
                                              f"{max_bytes:,} allowed")
            f.seek(info.st_size - max_bytes)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        if not tail:
            raise OutputRefused(str(rel), f"grew past the {max_bytes:,} bytes allowed")
        data = data[-max_bytes:]
    return data, info


def _open_below(root: Path, rel: PurePosixPath, flags: int, *, folder: bool = False) -> int:
    """Open ``root/rel`` walking one component at a time, never through a symlink."""
    parts = rel.parts
    if not parts or any(p in ("", ".", "..") for p in parts):
        raise OutputRefused(str(rel), "is not a path inside the job's folder")
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise OutputRefused(str(rel), "is missing (the job's folder is gone)",
                            missing=True) from None
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            mode = flags if last else os.O_RDONLY
            if not last or folder:
                mode |= os.O_DIRECTORY
            try:
                nxt = os.open(part, mode | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError as e:
                raise _open_problem(PurePosixPath(*parts[:i + 1]), e, fd, part) from None
            os.close(fd)
            fd = nxt
        result, fd = fd, -1
        return result
    finally:
        if fd >= 0:
            os.close(fd)


def _open_problem(where: PurePosixPath, e: OSError, dir_fd: int, name: str) -> OutputRefused:
    if e.errno == errno.ENOENT:
        return OutputRefused(str(where), "is missing", missing=True)
    if e.errno in (errno.ELOOP, errno.ENOTDIR):
        try:
            mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
        except OSError:
            mode = 0
        expected = "a folder" if e.errno == errno.ENOTDIR else "a regular file"
        return OutputRefused(str(where), f"is {_file_kind(mode)}, not {expected}")
    return OutputRefused(str(where), f"cannot be opened ({e.strerror})")


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISREG, "a regular file"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def _matching(root: Path, rel: PurePosixPath, pattern: re.Pattern[str],
              limit: int) -> list[str]:
    """Names in the folder ``root/rel`` (never through a symlink) that match ``pattern``."""
    fd = _open_below(root, rel, os.O_RDONLY, folder=True) if rel.parts else \
        os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with os.scandir(fd) as entries:
            names = []
            for entry in entries:
                if pattern.fullmatch(entry.name):
                    names.append(entry.name)
                    if len(names) > limit:
                        raise OutputRefused(str(rel / entry.name),
                                            f"is one file too many: at most {limit} files "
                                            f"named like it are copied")
    finally:
        os.close(fd)
    return sorted(names)


# Copying ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expected:
    """One file a job is expected to leave.

    Attributes:
        path: its components below the job's output folder; a compiled pattern matches any
            name (a TensorBoard run folder, an event file), plain strings are exact names.
        max_bytes: larger files are refused.
        required: a missing file is a problem (otherwise it is skipped).
        check: ``(data, where) -> data`` validates the content (and may rewrite it, e.g. a
            JSON file re-written from its checked value); raises :class:`OutputRefused`.
        max_files: how many files a pattern may match.
    """

    path: tuple[str | re.Pattern[str], ...]
    max_bytes: int
    required: bool = False
    check: Callable[[bytes, str], bytes] | None = None
    max_files: int = 16


@dataclass
class CopyReport:
    """What :func:`copy_outputs` did.

    Attributes:
        copied: the files written to the destination (relative paths).
        missing: expected files that were not there (required or not).
        refused: file -> why it was refused (a sentence that names the file or its field).
        required_missing: required files that were not there.
    """

    copied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    required_missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing was refused and every required file was there."""
        return not self.refused and not self.required_missing

    @property
    def problem(self) -> str | None:
        """One short sentence for the designer, or None when everything was fine."""
        issues = list(self.refused.values())
        issues += [f"{name} is missing" for name in self.required_missing]
        if not issues:
            return None
        more = f" (and {len(issues) - 3} more)" if len(issues) > 3 else ""
        return "; ".join(issues[:3]) + more


def copy_outputs(source: str | Path, dest: str | Path, expected: Sequence[Expected], *,
                 root: str | Path | None = None) -> CopyReport:
    """Copy the files a job is expected to leave from its folder to ``dest``: all or nothing.

    Only the files named in ``expected`` are looked at. Each is read with
    :func:`read_sandbox_file` (no symlinks, regular files, its size cap) and checked; when any
    is refused or a required one is missing, nothing is written. Otherwise each is written with
    the run directory's atomic writer, which replaces a symlink at the destination instead of
    writing through it. What was in ``dest`` before and is not an expected file stays as it was.

    Args:
        source: the job's output folder (inside ``root``).
        dest: a folder of the parent (created if missing).
        expected: the files to copy.
        root: the job's folder, which the parent created (default: ``source``).

    Returns:
        The report: what was copied, missing and refused, and why.
    """
    source = Path(os.path.abspath(source))
    base = Path(os.path.abspath(root)) if root is not None else source
    report, found = CopyReport(), {}
    for spec in expected:
        for rel in _expand(base, source, spec, report):
            try:
                data = read_sandbox_file(base / rel, spec.max_bytes, root=base, strict=True)
                found[rel] = spec.check(data, rel) if spec.check is not None else data
            except OutputRefused as e:
                if e.missing:
                    report.missing.append(rel)
                    if spec.required:
                        report.required_missing.append(rel)
                else:
                    report.refused[rel] = str(e)
    if not report.ok:
        return report
    prefix = source.relative_to(base).as_posix()
    for rel, data in found.items():
        name = rel if prefix == "." else rel.removeprefix(prefix + "/")
        write_bytes(Path(dest) / name, data)
        report.copied.append(name)
    return report


def _expand(base: Path, source: Path, spec: Expected, report: CopyReport) -> Iterator[str]:
    """The relative paths (to ``base``) that ``spec`` names; patterns are listed safely."""
    prefix = PurePosixPath(source.relative_to(base).as_posix())
    prefixes = [PurePosixPath() if str(prefix) == "." else prefix]
    for part in spec.path:
        if isinstance(part, str):
            prefixes = [p / part for p in prefixes]
            continue
        grown = []
        for folder in prefixes:
            try:
                grown += [folder / name for name in
                          _matching(base, folder, part, spec.max_files)]
            except OutputRefused as e:
                if not e.missing:
                    report.refused[e.where] = str(e)
        prefixes = grown
    yield from (str(p) for p in prefixes)


# Validating JSON data ---------------------------------------------------------------------------
def parse_json(data: bytes, where: str) -> Any:
    """JSON text a job wrote, or :class:`OutputRefused` with the reason (never another error)."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise OutputRefused(where, f"is not UTF-8 text (bad byte at offset {e.start})") from None
    except json.JSONDecodeError as e:
        raise OutputRefused(where, f"is not JSON ({e.msg} at line {e.lineno}, column "
                                   f"{e.colno})") from None
    except (ValueError, RecursionError) as e:  # a 5000-digit integer, [[[[... 100k deep
        raise OutputRefused(where, f"is not JSON a job writes ({type(e).__name__})") from None


def _what(value: Any) -> str:
    """A short, escaped description of a value for a message (it may be hostile)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, list | dict):
        return f"a {'list' if isinstance(value, list) else 'JSON object'} of {len(value)} items"
    shown = ascii(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"a {type(value).__name__} ({shown})"


class Shape:
    """A JSON value's expected type; calling it checks a value and returns its trusted form."""

    optional = False

    def __call__(self, value: Any, where: str) -> Any:
        if value is None and self.optional:
            return None
        return self.check(value, where)

    def check(self, value: Any, where: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def refuse(self, value: Any, where: str, expected: str) -> OutputRefused:
        """The error for ``value`` at ``where``, which should have been ``expected``."""
        return OutputRefused(where, f"is {_what(value)}, expected {expected}"
                                    + (" or null" if self.optional else ""))


class Num(Shape):
    """A number (int or float, not bool; NaN and infinities are numbers too)."""

    def __init__(self, optional: bool = False):
        self.optional = optional

    def check(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                (isinstance(value, int) and abs(value) >= 1 << 63):
            raise self.refuse(value, where, "a number")
        return value


class Int(Num):
    """An integer that fits in 64 bits."""

    def check(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 1 << 63:
            raise self.refuse(value, where, "an integer")
        return value


class Flag(Num):
    """A bool."""

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, bool):
            raise self.refuse(value, where, "true or false")
        return value


class Text(Shape):
    """A printable string (no control characters, no terminal escapes) of bounded length."""

    def __init__(self, max_len: int = 200, optional: bool = False):
        self.max_len, self.optional = max_len, optional

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise self.refuse(value, where, "a string")
        if len(value) > self.max_len:
            raise OutputRefused(where, f"is a string of {len(value):,} characters, more than "
                                       f"the {self.max_len} allowed")
        if not value.isprintable():
            raise OutputRefused(where, f"holds control characters ({_what(value)})")
        return value


class ListOf(Shape):
    """A list of values of one shape."""

    def __init__(self, item: Shape, max_items: int = 10_000, optional: bool = False):
        self.item, self.max_items, self.optional = item, max_items, optional

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, list):
            raise self.refuse(value, where, "a list")
        if len(value) > self.max_items:
            raise OutputRefused(where, f"has {len(value):,} items, more than the "
                                       f"{self.max_items:,} allowed")
        return [self.item(v, f"{where}[{i}]") for i, v in enumerate(value)]


class MapOf(Shape):
    """A JSON object from printable names to values of one shape."""

    def __init__(self, value: Shape, max_items: int = 1000, optional: bool = False):
        self.value, self.max_items, self.optional = value, max_items, optional
        self.key = Text(200)

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise self.refuse(value, where, "a JSON object")
        if len(value) > self.max_items:
            raise OutputRefused(where, f"has {len(value):,} entries, more than the "
                                       f"{self.max_items:,} allowed")
        return {self.key(k, f"{where} key"): self.value(v, f"{where}.{k}")
                for k, v in value.items()}


class Record(Shape):
    """A JSON object with known fields; fields not listed are dropped, missing ones stay missing.

    Args:
        fields: name -> shape.
        required: names that must be present.
        exact: the object must hold exactly ``fields`` (an event), no more and no fewer.
    """

    def __init__(self, fields: Mapping[str, Shape], required: Sequence[str] = (),
                 optional: bool = False, exact: bool = False):
        self.fields, self.optional, self.exact = dict(fields), optional, exact
        self.required = tuple(fields) if exact else tuple(required)

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise self.refuse(value, where, "a JSON object")
        missing = [k for k in self.required if k not in value]
        if missing:
            raise OutputRefused(where, f"has no field {missing[0]!r}")
        if self.exact:
            extra = sorted(str(k) for k in value if k not in self.fields)
            if extra:
                raise OutputRefused(where, f"has a field {ascii(extra[0][:40])} it never has")
        return {k: shape(value[k], f"{where}.{k}") for k, shape in self.fields.items()
                if k in value}


class AnyJson(Shape):
    """Any JSON data of bounded depth and size (e.g. env kwargs), strings printable."""

    def __init__(self, max_depth: int = 4, optional: bool = True):
        self.max_depth, self.optional = max_depth, optional

    def check(self, value: Any, where: str, depth: int = 0) -> Any:
        if depth > self.max_depth:
            raise OutputRefused(where, f"is nested more than {self.max_depth} levels deep")
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return Num()(value, where)
        if isinstance(value, str):
            return Text(1000)(value, where)
        if isinstance(value, list | dict) and len(value) > 1000:
            raise OutputRefused(where, f"has {len(value):,} items, more than the 1,000 allowed")
        if isinstance(value, list):
            return [self.check(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {Text(200)(k, f"{where} key"): self.check(v, f"{where}.{k}", depth + 1)
                    for k, v in value.items()}
        raise self.refuse(value, where, "JSON data")


# One evaluation during training: rewardsmith.rl.evaluation.EvalResult and the callback's record.
EVAL_RECORD = Record({
    "steps": Int(), "wall_s": Num(), "fitness_mean": Num(True), "fitness_std": Num(True),
    "success_rate": Num(True), "episode_length": Num(), "env_return": Num(),
    "reward_return": Num(), "component_returns": MapOf(Num()),
    "episode_fitness": ListOf(Num(True), 1000), "ended_by": MapOf(Int()),
    "traces": MapOf(ListOf(Num(True), 10_000)),
    "training_components": MapOf(Record({"mean": Num(True), "min": Num(True),
                                         "max": Num(True), "episode_sum": Num(True)})),
})
# A training's metrics.json (rewardsmith.rl.training.train).
TRAIN_METRICS = Record({
    "task": Text(optional=True), "env": Text(), "env_kwargs": MapOf(AnyJson()), "algo": Text(),
    "seed": Int(), "steps": Int(), "budget": Int(), "train_wall_s": Num(), "wall_s": Num(),
    "steps_per_s": Num(True), "success_threshold": Num(True), "success": Flag(),
    "first_success_steps": Int(True), "best_fitness": Num(True), "reward_origin": Text(1000),
    "final": EVAL_RECORD, "evals": ListOf(EVAL_RECORD, 10_000),
}, required=("final",))
# One re-evaluated episode (rewardsmith.sandbox.jobs.reevaluate._summarise).
EPISODE = Record({
    "length": Int(), "ended": Text(), "fitness": Num(True), "reward_return": Num(),
    "env_return": Num(), "component_returns": MapOf(Num()),
    "trace_steps": ListOf(Int(), 10_000), "trace": MapOf(ListOf(Num(True), 10_000)),
})
# What each job kind returns in result.json; a kind not listed here is not checked.
RESULT_SHAPES: dict[str, Shape] = {
    "train": Record({"out": Text(1000), "metrics": TRAIN_METRICS}, required=("metrics",)),
    "reevaluate": Record({
        "policy": Text(1000), "seeds": ListOf(Int(), 1000), "n_episodes": Int(),
        "fitness_mean": Num(True), "fitness_sem": Num(True), "success_rate": Num(True),
        "per_seed": ListOf(Record({
            "seed": Int(), "fitness_mean": Num(True), "success_rate": Num(True),
            "ended_by": MapOf(Int()), "episodes": ListOf(EPISODE, 1000)}), 1000),
    }),
}
# vecnormalize.json (rewardsmith.rl.safe_policy.save_safe_policy): types only; the loader checks
# the sizes against the env.
VECNORMALIZE_STATS = Record({
    "format": Text(), "obs_mean": ListOf(Num()), "obs_var": ListOf(Num()), "count": Num(),
    "clip_obs": Num(), "epsilon": Num(), "norm_obs": Flag(),
}, required=("obs_mean", "obs_var", "count", "clip_obs", "epsilon"))


def check_result(kind: str, value: Any, where: str = "result.json: result") -> Any:
    """The trusted form of what a job of ``kind`` returned (unchanged for unchecked kinds).

    Raises:
        OutputRefused: a field has the wrong type or size; the message names it.
    """
    shape = RESULT_SHAPES.get(kind)
    return value if shape is None else shape(value, where)


def json_check(shape: Shape) -> Callable[[bytes, str], bytes]:
    """A :attr:`Expected.check` that parses JSON, checks its shape and writes it out afresh."""

    def check(data: bytes, where: str) -> bytes:
        value = shape(parse_json(data, where), where)
        return (json.dumps(value, indent=2) + "\n").encode("utf-8")

    return check


def _name(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# What a training leaves and the parent takes: the tensors-only policy and its statistics (never
# the pickles, which stay in the job's folder), the video; the CLI also takes metrics.json (its
# only copy) and the TensorBoard logs.
POLICY_OUTPUTS = (
    Expected((POLICY_WEIGHTS_PT,), 64 << 20, required=True),
    Expected((VECNORMALIZE_JSON,), 1 << 20, required=True, check=json_check(VECNORMALIZE_STATS)),
)
VIDEO_OUTPUT = Expected((VIDEO_MP4,), 256 << 20)
TENSORBOARD_OUTPUT = Expected((TENSORBOARD_DIR, _name(r"[a-z]{1,16}_[0-9]{1,6}"),
                               _name(r"events\.out\.tfevents\.[A-Za-z0-9_.-]{1,200}")),
                              16 << 20, max_files=8)
TRAIN_OUTPUTS = (Expected((METRICS_JSON,), MAX_RESULT_BYTES, required=True,
                          check=json_check(TRAIN_METRICS)),
                 *POLICY_OUTPUTS, VIDEO_OUTPUT, TENSORBOARD_OUTPUT)
# What the evaluator copies from a rung's folder into the candidate's (its metrics come in the
# job's result): a refused file fails the rung, a missing one is only left out.
RUNG_OUTPUTS = (*(replace(spec, required=False) for spec in POLICY_OUTPUTS), VIDEO_OUTPUT)


# Events -----------------------------------------------------------------------------------------
def _event(**fields: Shape) -> Record:
    return Record({"event": Text(), **fields}, exact=True)


# Every event a job writes, with exactly these fields (the worker, rl.training, rl.callbacks,
# sandbox.jobs.*). Add a new event here when a job starts writing it.
JOB_EVENTS: dict[str, Record] = {
    "worker_ready": _event(seccomp=Text(optional=True), startup_s=Num()),
    "smoke_start": _event(batches=MapOf(Int(), 100)),
    "start": _event(steps=Int(), total=Int(), env=Text(), algo=Text(), out=Text(1000)),
    "progress": _event(steps=Int(), total=Int(), fps=Num()),
    "eval": _event(steps=Int(), total=Int(), fitness=Num(True), success_rate=Num(True),
                   episode_length=Num()),
    "done": _event(steps=Int(), total=Int(), fitness=Num(True), success=Flag()),
    "reeval": _event(seed=Int(), fitness=Num(True)),
}
ONCE = frozenset({"worker_ready", "smoke_start", "start", "done"})  # at most one per job
# Passed on only once the job has succeeded: a job's claim to be done is a verdict the parent
# makes, so a forged one (the candidate can write the first) never reaches a caller.
FINAL_EVENTS = frozenset({"done"})


class EventReader:
    """Reads the events appended to a job's ``events.jsonl`` since the last call, checked.

    A line that is not JSON, too long, not an event a job writes, has other fields or types than
    the job writes, or repeats an event a job writes once (a second ``done``), is not passed on:
    it is counted in :attr:`problems`, and a job with problems fails (``run_sandboxed``). So is
    a file that is replaced or removed, shrinks, is not a regular file or grows past
    :data:`MAX_EVENTS_BYTES`. The file stays open between calls (so its inode cannot be reused
    by a replacement); :meth:`close` it when the job has ended.

    Args:
        path: the job's ``events.jsonl``.
        root: the job's folder (see :func:`read_sandbox_file`).
    """

    def __init__(self, path: Path, root: Path | None = None):
        self.path = Path(os.path.abspath(path))
        self.root = Path(os.path.abspath(root)) if root is not None else self.path.parent
        self.offset, self.line_no, self.count = 0, 0, 0
        self.partial, self.skipping = b"", False
        self.fd: int | None = None
        self.problems: list[str] = []
        self.n_problems = 0
        self.seen: set[str] = set()
        self.stopped = False

    @property
    def problem(self) -> str | None:
        """One short sentence about what was wrong, or None."""
        if not self.n_problems:
            return None
        more = self.n_problems - 1
        return self.problems[0] + (f" (and {more} more problem{'s' * (more > 1)})"
                                   if more else "")

    def _problem(self, text: str) -> None:
        self.n_problems += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    def close(self) -> None:
        """Close the file (the problems found so far stay readable)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _open(self) -> bool:
        """Open the file once it exists; False (and maybe a problem) when it cannot be read."""
        rel = PurePosixPath(self.path.relative_to(self.root).as_posix())
        try:
            fd = _open_below(self.root, rel, os.O_RDONLY | os.O_NONBLOCK)
        except OutputRefused as e:
            if not e.missing:
                self._stop(f"{e.where} {e.problem}")
            return False
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            self._stop(f"{rel} is {_file_kind(mode)}, not a regular file")
            return False
        self.fd = fd
        return True

    def read_new(self) -> list[dict[str, Any]]:
        """The checked events written since the last call (never raises on bad content)."""
        if self.stopped or (self.fd is None and not self._open()):
            return []
        info = os.fstat(self.fd)
        try:
            now = os.lstat(self.path)
            same = (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)
        except OSError:
            same = False
        if not same or info.st_nlink == 0:
            return self._stop(f"{self.path.name} was replaced or removed while the job ran")
        if info.st_size < self.offset:
            return self._stop(f"{self.path.name} shrank while the job ran")
        chunk = os.pread(self.fd, MAX_EVENT_CHUNK, self.offset)
        self.offset += len(chunk)
        if self.offset > MAX_EVENTS_BYTES:
            return self._stop(f"{self.path.name} grew past {MAX_EVENTS_BYTES:,} bytes")
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()
        events = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        if len(self.partial) > MAX_EVENT_LINE:
            if not self.skipping:
                self._problem(f"{self.path.name} line {self.line_no + 1} is longer than "
                              f"{MAX_EVENT_LINE:,} bytes")
            self.partial, self.skipping = b"", True
        return events

    def _stop(self, text: str) -> list[dict[str, Any]]:
        self._problem(text)
        self.stopped = True
        return []

    def _line(self, line: bytes) -> dict[str, Any] | None:
        self.line_no += 1
        where = f"{self.path.name} line {self.line_no}"
        if self.skipping:  # the end of a line already reported as too long
            self.skipping = False
            return None
        if len(line) > MAX_EVENT_LINE:
            self._problem(f"{where} is longer than {MAX_EVENT_LINE:,} bytes")
            return None
        try:
            event = parse_json(line, where)
            if not isinstance(event, dict):
                raise OutputRefused(where, f"is {_what(event)}, not an event")
            name = event.get("event")
            shape = JOB_EVENTS.get(name) if isinstance(name, str) else None
            if shape is None:
                raise OutputRefused(where, f"is not an event a job writes (event "
                                           f"{ascii(name)[:40]})")
            event = shape(event, f"{where} ({name})")
        except OutputRefused as e:
            self._problem(str(e))
            return None
        if name in ONCE and name in self.seen:
            self._problem(f"{where} is a second {name!r} event; a job writes one")
            return None
        self.seen.add(name)
        if self.count >= MAX_EVENTS:
            self._stop(f"{self.path.name} holds more than {MAX_EVENTS:,} events")
            return None
        self.count += 1
        return event

