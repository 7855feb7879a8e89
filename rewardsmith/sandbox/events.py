"""The progress events a sandboxed job writes to ``events.jsonl``, read back as checked data.

:class:`EventReader` tails the file and passes on only the events a job writes, with the fields
and types it writes them with; anything else is a problem that fails the job.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from rewardsmith.sandbox.outputs import file_kind, open_below
from rewardsmith.sandbox.shapes import (
    Flag,
    Int,
    MapOf,
    Num,
    OutputRefused,
    Record,
    Shape,
    Text,
    describe_value,
    parse_json,
)

MAX_EVENT_LINE = 1 << 16  # the worker cuts every event line at 64 KiB; a real one is ~200 bytes
MAX_EVENT_CHUNK = 1 << 20  # events.jsonl bytes read per poll
MAX_EVENTS_BYTES = 16 << 20  # a job writing more events than this is refused
MAX_EVENTS = 100_000
MAX_PROBLEMS = 5  # event problems kept for the message (the count is kept in full)


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
    "fitness_baseline": _event(policy=Text(), fitness=Num()),
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
            fd = open_below(self.root, rel, os.O_RDONLY | os.O_NONBLOCK)
        except OutputRefused as e:
            if not e.missing:
                self._stop(f"{e.where} {e.problem}")
            return False
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            self._stop(f"{rel} is {file_kind(mode)}, not a regular file")
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
                raise OutputRefused(where, f"is {describe_value(event)}, not an event")
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
