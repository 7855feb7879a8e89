"""Helpers shared by the benchmark scripts: a result table and a JSON file."""

from __future__ import annotations

import json
import platform
import subprocess
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """What the numbers were measured on."""
    import os

    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def git_state() -> dict:
    """The commit the code ran at, and whether the package or the tasks had uncommitted edits."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    status = git("status", "--porcelain", "--", "rewardsmith", "envs")
    return {"commit": commit, "uncommitted_changes": None if status is None else bool(status)}


def trained_steps(run_path: Path, iterations: list[int] | None = None) -> int:
    """Env steps the run's candidates trained (each candidate's last rung; rungs continue)."""
    total = 0
    for cand in sorted(run_path.glob("iter_*/cand_*")):
        if iterations is not None and int(cand.parent.name.split("_")[1]) not in iterations:
            continue
        steps = [json.loads(p.read_text()).get("steps") or 0 for p in cand.glob("rung_*.json")]
        total += max(steps, default=0)
    return total


def resume_or_design(out: Path, say=print, **design_kwargs):
    """The design run in ``out``: resumed when one is there, else started with ``design_kwargs``.

    A benchmark that stops (Ctrl-C, the session's end) picks up where its run stopped instead
    of training the finished candidates again.
    """
    from rewardsmith.run.api import design, resume

    previous = sorted(Path(out).glob("*/run.json"))
    if previous:
        return resume(previous[0].parent, say=say)
    return design(out=out, say=say, **design_kwargs)


def report(name: str, title: str, columns: list[str], rows: list[list], summary: dict) -> Path:
    """Print a table and write ``benchmarks/results/<name>.json``."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
    console = Console()
    console.print(table)
    for key, value in summary.items():
        console.print(f"{key}: {value}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), "columns": columns,
                                "rows": rows, "summary": summary}, indent=2))
    return path
