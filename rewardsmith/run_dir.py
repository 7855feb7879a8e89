"""The run directory: everything a design run did, on disk and readable (DESIGN.md).

``runs/<run-id>/run.json`` (task, config, versions), ``llm/`` (every request and reply),
``iter_<i>/cand_<j>/`` (reward.py, critic.json, training artifacts), ``iter_<i>/feedback.md``,
``best/``. Writes are atomic (temp file + rename) so a kill -9 never leaves half a file, and
every step checks for its own output first so ``rewardsmith resume`` never redoes work.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from rewardsmith.errors import RewardsmithError


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    write_text(path, json.dumps(data, indent=2, default=str))


def write_text(path: Path, text: str) -> None:
    """Write text atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    """Read JSON, or None when the file does not exist."""
    return json.loads(path.read_text()) if path.is_file() else None


def versions() -> dict[str, str]:
    """Versions of what produced the run, for ``run.json``."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("rewardsmith", "gymnasium", "mujoco", "stable-baselines3", "torch", "openai",
                 "numpy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


class RunDir:
    """Paths inside one run directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def create(cls, runs_dir: str | Path, name: str) -> RunDir:
        """A new run folder ``<runs_dir>/<time>-<name>``."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        root = Path(runs_dir) / f"{stamp}-{name}"
        suffix = 1
        while root.exists():
            suffix += 1
            root = Path(runs_dir) / f"{stamp}-{name}-{suffix}"
        root.mkdir(parents=True)
        return cls(root)

    @classmethod
    def open(cls, root: str | Path) -> RunDir:
        """An existing run; a clear error when it is not one."""
        run = cls(root)
        if not run.run_json.is_file():
            raise RewardsmithError(f"{root} is not a rewardsmith run (no run.json)")
        return run

    @property
    def run_json(self) -> Path:
        """Task, configuration and versions."""
        return self.root / "run.json"

    @property
    def state_json(self) -> Path:
        """The loop's progress: finished iterations and the best so far."""
        return self.root / "state.json"

    @property
    def llm_dir(self) -> Path:
        """Every LLM request and reply."""
        return self.root / "llm"

    @property
    def best_dir(self) -> Path:
        """The winning reward, its policy and a report."""
        return self.root / "best"

    @property
    def log_file(self) -> Path:
        """Events of the whole run, one JSON object per line."""
        return self.root / "events.log"

    def iteration(self, i: int) -> Path:
        """Folder of iteration ``i``."""
        return self.root / f"iter_{i}"

    def candidate(self, i: int, j: int) -> Path:
        """Folder of candidate ``j`` of iteration ``i``."""
        return self.iteration(i) / f"cand_{j}"

    def iterations(self) -> list[int]:
        """Iterations that have a folder, in order."""
        found = [int(p.name.split("_")[1]) for p in self.root.glob("iter_*") if p.is_dir()]
        return sorted(found)

    def candidates(self, i: int) -> list[int]:
        """Candidates of iteration ``i`` that have a folder, in order."""
        found = [int(p.name.split("_")[1]) for p in self.iteration(i).glob("cand_*")
                 if p.is_dir()]
        return sorted(found)
