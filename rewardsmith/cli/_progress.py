"""A rich progress bar fed by training events (``start``/``progress``/``eval``/``done``).

The events of a sandboxed training are written next to the candidate's code, so each value is
used only when it is a number of the right kind; anything else is ignored, never printed.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rewardsmith.plain_text import finite_number


class TrainingProgress:
    """Show steps, speed and the latest evaluated fitness of one training."""

    def __init__(self, console: Console, label: str):
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[fps]:>6} steps/s"), TextColumn("{task.fields[fitness]}"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=console,
        )
        self.task_id = self.progress.add_task(label, total=None, fps="", fitness="")

    def __enter__(self) -> TrainingProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        update: dict[str, Any] = {}
        total, steps = _count(event.get("total")), _count(event.get("steps"))
        if total is not None:
            update["total"] = total
        if steps is not None:
            update["completed"] = min(steps, total or steps)
        fps, fitness = finite_number(event.get("fps")), finite_number(event.get("fitness"))
        if kind == "progress" and fps is not None:
            update["fps"] = f"{fps:.0f}"
        elif kind in ("eval", "done") and fitness is not None:
            success = finite_number(event.get("success_rate"))
            rate = f" success {success:.0%}" if success is not None else ""
            update["fitness"] = f"fitness {fitness:.3f}{rate}"
        self.progress.update(self.task_id, **update)


def _count(value: Any) -> int | None:
    """A step count (a non-negative int), or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None

