"""A rich progress bar fed by training events (``start``/``progress``/``eval``/``done``)."""

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
        if "total" in event:
            update["total"] = event["total"]
        if "steps" in event:
            update["completed"] = min(event["steps"], event.get("total") or event["steps"])
        if kind == "progress":
            update["fps"] = f"{event['fps']:.0f}"
        elif kind in ("eval", "done") and event.get("fitness") is not None:
            success = event.get("success_rate")
            rate = f" success {success:.0%}" if success is not None else ""
            update["fitness"] = f"fitness {event['fitness']:.3f}{rate}"
        self.progress.update(self.task_id, **update)
