"""Reading the files below a run's root, where a bad one is skipped and named, never fatal.

``inspect`` and ``report`` show whatever of a run is readable: a candidate's folder was written
next to sandboxed code, so any file may be missing, corrupt, a link or huge.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile
from rewardsmith.safe_files import read_json

logger = logging.getLogger("rewardsmith.results.inspect")  # where these warnings always came from

def describe_kind(value: Any) -> str:
    """What a JSON value is, in words, for messages about a file that holds the wrong thing."""
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


class RunFileReader:
    """Reads the files below a run's root: a bad one is skipped and named, never fatal."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[str] = []

    def json(self, path: Path, kind: type) -> Any:
        """The value of ``path`` if it is a ``kind`` (dict or list); else ``kind()``."""
        try:
            value = read_json(path)
        except CorruptRunFile as exc:
            self.skip(path, exc.problem)
            return kind()
        except OSError as exc:
            self.skip(path, f"cannot be read ({exc.strerror or exc})")
            return kind()
        if value is None:
            return kind()
        if not isinstance(value, kind):
            self.skip(path, f"is {describe_kind(value)}, not the {kind.__name__} rewardsmith "
                            f"writes")
            return kind()
        return value

    def text(self, path: Path) -> str:
        """A text file (a reward program), or "" when it is missing or unreadable."""
        if path.is_symlink():
            self.skip(path, "is a symbolic link")
            return ""
        if not path.is_file():
            return ""
        try:
            if path.stat().st_size > MAX_TEXT_BYTES:
                self.skip(path, f"is larger than {MAX_TEXT_BYTES:,} bytes")
                return ""
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.skip(path, f"is not UTF-8 text (bad byte at offset {exc.start})")
        except OSError as exc:
            self.skip(path, f"cannot be read ({exc.strerror or exc})")
        return ""

    def skip(self, path: Path, problem: str) -> None:
        """Note that ``path`` was left out, and why."""
        try:
            name = path.relative_to(self.root)
        except ValueError:
            name = path
        message = f"skipped {name}: it {problem}"
        logger.warning("%s", message)
        self.problems.append(message)


MAX_TEXT_BYTES = 1 << 20  # a reward program is at most 64 kB (the static check's limit)
