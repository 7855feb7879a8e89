"""Atomic writes and bounded, symlink-refusing reads, used by run directories and results alike.

A kill -9 must never leave half a file, and a file that sandboxed code could have planted (a
symlink, a FIFO, a huge or mangled JSON) must never be followed, hang a reader or be mistaken for
"not written yet". Run directories, the LLM record, training outputs and the results tools all
write and read through these functions; :mod:`rewardsmith.run_dir` only names the files.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile

# The largest JSON file read_json accepts: run folders hold files written by sandboxed code, and
# the biggest legitimate one (a metrics.json with episode traces) is well under a megabyte.
MAX_JSON_BYTES = 32 << 20


# Writing -----------------------------------------------------------------------------------------
def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never half.

    The bytes go to a new temp file in the same folder (same filesystem, so the rename is atomic),
    are fsynced, and the temp file is renamed over ``path``; then the folder is fsynced so the
    rename itself survives a power cut. On any failure, Ctrl-C included, the temp file is removed
    and ``path`` is untouched. A symlink at ``path`` is replaced, never followed.

    Args:
        path: the file to write; missing parent folders are created.
        data: the new content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _create_temp(path)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8, atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (see :func:`write_bytes`).

    Values JSON has no type for are written as their ``str`` (paths, numpy scalars), non-ASCII
    text stays readable, and NaN is written as ``NaN`` (which :func:`read_json` reads back). A
    lone surrogate (from a decoded LLM reply) is written as its ``\\uXXXX`` escape, so the file is
    always valid UTF-8 and reads back to the same string.
    """
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n"
    write_bytes(path, text.encode("utf-8", "backslashreplace"))


def _create_temp(path: Path) -> tuple[Path, int]:
    """A new, empty temp file next to ``path`` (permissions as ``open()`` gives: 0o666 - umask)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(path.parent))


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable; best effort (some filesystems refuse it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# Reading -----------------------------------------------------------------------------------------
def read_json(path: Path) -> Any:
    """Read a JSON file of a run: its value, None when it is missing, a clear error when bad.

    One behaviour for every caller, because "missing" means "this step has not run yet" (the
    caller runs it) while a bad file must not be mistaken for either:

    ======================================================  ======================================
    ``path`` is                                              result
    ======================================================  ======================================
    missing (or a parent folder is)                          ``None``
    a regular file holding valid UTF-8 JSON                  the parsed value (``NaN`` allowed)
    a file holding JSON ``null``                             ``None``, as if missing (never written)
    empty, truncated, not JSON, not UTF-8, nested too deep   :class:`CorruptRunFile`
    a folder, a FIFO, a device, a socket                     :class:`CorruptRunFile`
    a symlink (to anything, dangling included)               :class:`CorruptRunFile`
    larger than :data:`MAX_JSON_BYTES`                       :class:`CorruptRunFile`
    below a path component that is a file                    :class:`CorruptRunFile`
    unreadable for another reason (permissions, I/O)         the ``OSError``, unchanged
    ======================================================  ======================================

    Symlinks are not followed and the size is capped because run folders hold files written by
    sandboxed code: a planted link must not make rewardsmith read (and echo) a file elsewhere,
    and a huge file must not exhaust memory. Callers for which a bad file only means "redo this
    step" (the evaluator's resume records, the LLM cache) catch :class:`CorruptRunFile` and say
    so where they do.

    Raises:
        CorruptRunFile: the file exists but is not JSON rewardsmith could have written; the
            message names it and says how to recover.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        problem = _OPEN_PROBLEMS.get(exc.errno)
        if problem is None:
            raise
        raise CorruptRunFile(path, problem) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise CorruptRunFile(path, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise CorruptRunFile(path, "is not a regular file")
        if info.st_size > MAX_JSON_BYTES:
            raise CorruptRunFile(path, f"is {info.st_size:,} bytes, more than the "
                                       f"{MAX_JSON_BYTES:,} a run file may have")
        data = _read_at_most(fd, MAX_JSON_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_JSON_BYTES:  # it grew after fstat
        raise CorruptRunFile(path, f"is more than the {MAX_JSON_BYTES:,} bytes a run file may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptRunFile(path, f"is not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        what = "is empty" if not text.strip() else f"is not valid JSON ({exc.msg}: line " \
                                                   f"{exc.lineno}, column {exc.colno})"
        raise CorruptRunFile(path, what) from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 5000 digits, [[[[...
        raise CorruptRunFile(path, f"is not JSON rewardsmith writes ({exc})") from exc


_OPEN_PROBLEMS = {
    errno.ELOOP: "is a symbolic link (rewardsmith never writes one and does not follow them in "
                 "a run folder)",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "has a file where its path needs a folder",
}


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(limit - size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
