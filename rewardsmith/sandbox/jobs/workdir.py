"""What every job shares: the event callback's type and paths confined to the job's folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Emit = Callable[[dict[str, Any]], None]


def inside(workdir: Path, relative: str) -> Path:
    """Resolve a job argument that names a path inside the job's folder."""
    path = (Path(workdir) / relative).resolve()
    if not path.is_relative_to(Path(workdir).resolve()):
        raise ValueError(f"job path {relative!r} leaves the job folder {workdir}; pass a path "
                         f"relative to it")
    return path
