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
- The expected outputs of each job kind (``TRAIN_OUTPUTS``, ``RUNG_OUTPUTS``), their JSON
  checked against the shapes of :mod:`rewardsmith.sandbox.shapes`.

The events a job streams are read by :mod:`rewardsmith.sandbox.events`.

Nothing here unpickles anything: the policy's pickles stay in the job's folder, and the parent
loads the tensors-only copy with :func:`rewardsmith.rl.safe_policy.load_safe_policy`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from rewardsmith.run_dir import (
    METRICS_JSON,
    POLICY_WEIGHTS_PT,
    TENSORBOARD_DIR,
    VECNORMALIZE_JSON,
    VIDEO_MP4,
)
from rewardsmith.safe_files import write_bytes
from rewardsmith.sandbox.shapes import (
    TRAIN_METRICS,
    VECNORMALIZE_STATS,
    OutputRefused,
    json_check,
)

MAX_RESULT_BYTES = 8 << 20  # result.json and metrics.json: a real one is well under 1 MB

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
    fd = open_below(base, rel, os.O_RDONLY | os.O_NONBLOCK)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which refuses a folder with its own error
        os.close(fd)
        raise OutputRefused(str(rel), f"is {file_kind(info.st_mode)}, not a regular file")
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


def open_below(root: Path, rel: PurePosixPath, flags: int, *, folder: bool = False) -> int:
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
        return OutputRefused(str(where), f"is {file_kind(mode)}, not {expected}")
    return OutputRefused(str(where), f"cannot be opened ({e.strerror})")


def file_kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISREG, "a regular file"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def _matching(root: Path, rel: PurePosixPath, pattern: re.Pattern[str],
              limit: int) -> list[str]:
    """Names in the folder ``root/rel`` (never through a symlink) that match ``pattern``."""
    fd = open_below(root, rel, os.O_RDONLY, folder=True) if rel.parts else \
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
