"""The terminals every command prints to (stdout for results, stderr for errors), and the two
ways text from outside the trusted code reaches them.

Text that came from a candidate, an LLM, a run directory, a file the user named or an exception
(which may quote any of these) is never printed as it is: :func:`safe` makes it plain text
(no terminal escapes, no bidi overrides) and escapes rich markup, so ``[/]`` prints as ``[/]``
instead of raising ``MarkupError`` and ``[bold red]`` cannot restyle the line.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from rewardsmith.errors import RewardsmithError
from rewardsmith.plain_text import plain_text

console = Console()
err_console = Console(stderr=True)


def safe(text: object, max_len: int | None = None) -> str:
    """``text`` made plain and markup-escaped, to put inside a rich markup string."""
    return escape(plain_text(text, max_len))


def print_error(message: object, console_: Console | None = None) -> None:
    """Print ``error: <message>`` as one line (long lines soft-wrap, never split by rich)."""
    line = Text("error: ", style="bold red")
    line.append(plain_text(message))
    (console_ or err_console).print(line, highlight=False, soft_wrap=True)


def writable_folder(path: Path, flag: str) -> Path:
    """Create the folder ``path`` if needed, or say why it cannot be one.

    Commands call it before any work, so ``--out`` that is a file, lies below a file, or is on a
    filesystem that refuses it (``/proc``, read-only) fails in one line instead of after a
    training.

    Raises:
        RewardsmithError: naming ``flag``, the path and the reason.
    """
    if path.exists() and not path.is_dir():
        raise RewardsmithError(f"{flag} {path} is a file, not a folder: give a folder (it is "
                               f"created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RewardsmithError(f"{flag} {path} cannot be used as a folder: "
                               f"{exc.strerror or exc} ({_blocker(path)}); give a folder you "
                               f"can write") from None
    return path


def writable_file(path: Path, flag: str) -> Path:
    """Check that the file ``path`` can be written: its folder exists (or is created), and it
    is not a folder.

    Raises:
        RewardsmithError: naming ``flag``, the path and the reason.
    """
    if path.is_dir() and not path.is_symlink():
        raise RewardsmithError(f"{flag} {path} is a folder: give the file to write, e.g. "
                               f"{path / 'out'}")
    writable_folder(path.parent if str(path.parent) else Path("."), f"{flag}'s folder")
    return path


def _blocker(path: Path) -> str:
    """The part of ``path`` that stops it from being created: a file, or a missing root."""
    for parent in [path, *path.parents]:
        if parent.exists():
            return f"{parent} is a file" if not parent.is_dir() else f"below {parent}"
    return "no part of it exists"
