"""What the evaluator shows while it runs: a live rich table, and the same events in a log file.

Every event (a dict with at least ``event`` and usually ``candidate``) goes to
``<out_dir>/events.log`` as one JSON line with a timestamp, so a run can be followed with
``tail -f`` or read afterwards; training progress events are thinned to one every few seconds per
candidate there. The table keeps one row per candidate: rung, steps out of that rung's own
cumulative target (from ``evaluation_start``'s ``rungs``, never the budget or an earlier rung's),
how long its current training job has run, fitness and state; a caption under it gives the
iteration's elapsed time and an estimate of the time left (:mod:`rewardsmith.evaluator.eta`).

Events carry what sandboxed jobs reported (an error message is the candidate's own exception
text), so the table takes numbers only when they are numbers and shows every text as plain
text in a :class:`rich.text.Text` cell: no terminal escape reaches the screen, no ``[/]`` is
parsed as markup.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any, Self

from rewardsmith.errors import CorruptRunFile
from rewardsmith.evaluator.eta import Clock, IterationClock, as_int, format_duration
from rewardsmith.plain_text import finite_number, plain_text

PROGRESS_LOG_EVERY_S = 5.0

_STYLES = {"running": "cyan", "done": "green", "best": "bold green", "stopped": "yellow",
           "failed": "red", "interrupted": "magenta", "reused": "green", "skipped": "dim"}


class EventLog:
    """Appends events as JSON lines to a file (``events.log`` in the run's folder).

    The file is opened without following a symlink: a run folder can be edited by hand or
    planted, and ``events.log -> ~/.bashrc`` must not make a resume append to that file.

    Raises:
        CorruptRunFile: ``path`` is a symlink or not a regular file.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(self.path, flags | os.O_NONBLOCK, 0o666)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                raise CorruptRunFile(self.path, "is a symbolic link or not a regular file, "
                                                "where rewardsmith appends its events") from None
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or a device opened for writing
            os.close(fd)
            raise CorruptRunFile(self.path, "is not a regular file, where rewardsmith appends "
                                            "its events")
        self._file = os.fdopen(fd, "a", encoding="utf-8")  # closed in close()
        self._last_progress: dict[Any, float] = {}

    def write(self, event: dict[str, Any]) -> None:
        """Append one event (progress events at most every few seconds per candidate)."""
        if event.get("event") == "progress":
            key = (event.get("candidate"), event.get("rung"))
            now = time.monotonic()
            if now - self._last_progress.get(key, -math.inf) < PROGRESS_LOG_EVERY_S:
                return
            self._last_progress[key] = now
        self._file.write(json.dumps(event, default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()


class LiveTable:
    """A live table of the candidates (rich), fed with the evaluator's events.

    The steps column reads ``<steps> / <this rung's target>``. PPO trains whole rollouts
    (``n_steps`` x ``n_envs``), so a job ends at the first rollout past its target: steps above
    the target are marked ``*`` and the caption says why.

    Args:
        ids: the candidates, in display order.
        n_rungs: how many rungs successive halving has.
        title: shown above the table.
        show: draw the table (False: only keep the rows, e.g. when not on a terminal).
        clock: the time in seconds, for the elapsed times and the estimate (a fake one in tests).
    """

    def __init__(self, ids: list[str], n_rungs: int, title: str = "", show: bool = True,
                 clock: Clock = time.monotonic):
        self.n_rungs = n_rungs
        self.title = title
        self.rows: dict[str, dict[str, Any]] = {
            i: {"rung": None, "steps": 0, "fitness": None, "state": "queued", "note": ""}
            for i in ids}
        self.clock = IterationClock(ids, clock)
        self._lock = threading.Lock()
        self._live = None
        if show:
            from rich.live import Live

            self._live = Live(get_renderable=self._render, refresh_per_second=2,
                              transient=False)

    def __enter__(self) -> Self:
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()

    def update(self, event: dict[str, Any]) -> None:
        """Apply one event to its candidate's row (and to the iteration's clock)."""
        kind = event.get("event")
        training = event.get("job", "train") == "train"  # not a re-evaluation job's event
        with self._lock:
            self.clock.update(event)
            row = self.rows.get(event.get("candidate"))
            if row is None:
                return
            rung, steps = as_int(event.get("rung")), as_int(event.get("steps"))
            if kind == "queued" and training and rung is not None and rung != row["rung"]:
                row["state"] = "queued"  # promoted, waiting for a worker
            if rung is not None:
                row["rung"] = rung
            if training and steps is not None:
                row["steps"] = steps
            if finite_number(event.get("fitness")) is not None and \
                    kind not in ("reeval", "reevaluated"):
                row["fitness"] = finite_number(event["fitness"])
            if kind in ("start", "worker_ready") and training:
                row["state"] = "running"
            elif kind in ("stopped", "failed", "interrupted", "reused", "best", "skipped"):
                row["state"] = kind
            elif kind == "finished":
                row["state"] = "done"
            if kind == "skipped":
                row["note"] = plain_text(f"not trained: {event.get('reason', '')}", 60)
            elif kind == "succeeded":
                row["note"] = "reached the success threshold"
            if kind == "failed":
                row["note"] = plain_text(f"{event.get('error_kind')}: "
                                         f"{event.get('error', '')}", 60)
            elif kind == "reeval":
                row["note"] = plain_text(f"re-evaluating (seed {event.get('seed')})", 60)
            elif kind == "reevaluated":
                mean = finite_number(event.get("fitness_mean"))
                sem = finite_number(event.get("fitness_sem"))
                row["note"] = "" if mean is None or sem is None else plain_text(
                    f"re-eval {mean:.3g} ± {sem:.2g} ({event.get('n_seeds')} seeds)", 60)
            elif kind == "signatures" and isinstance(event.get("names"), list):
                row["note"] = plain_text(", ".join(map(str, event["names"])), 60)

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(plain_text(self.title)), expand=False)
        for name, justify in (("candidate", "left"), ("rung", "right"), ("steps", "right"),
                              ("elapsed", "right"), ("fitness", "right"), ("state", "left"),
                              ("note", "left")):
            table.add_column(name, justify=justify)
        past_target = False
        with self._lock:
            for cid, row in self.rows.items():
                rung = "-" if row["rung"] is None else f"{row['rung'] + 1}/{self.n_rungs}"
                target = self.clock.target(cid)
                steps = f"{row['steps']:,}"
                if target is not None:
                    over = row["steps"] > target
                    past_target = past_target or over
                    steps += f" / {target:,}" + ("*" if over else "")
                took = self.clock.job_elapsed(cid)
                elapsed = "-" if took is None else format_duration(took)
                fitness = "-" if row["fitness"] is None else f"{row['fitness']:.4g}"
                style = _STYLES.get(row["state"], "")
                table.add_row(Text(plain_text(cid)), rung, steps, elapsed, fitness,
                              Text(row["state"], style=style), Text(row["note"]))
            lines = [self.clock.caption()]
        if past_target:
            lines.append("* PPO trains whole rollouts (n_steps x n_envs): a rung ends at the "
                         "first rollout past its target")
        caption = "\n".join(line for line in lines if line)
        return Group(table, Text(caption)) if caption else table
