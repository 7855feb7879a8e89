"""``rewardsmith rank RUN``: rank the rollouts of a run paused for preference feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from rewardsmith.cli._console import console, safe
from rewardsmith.errors import CorruptRunFile, RewardsmithError, describe_validation_error
from rewardsmith.results.run_root import open_run
from rewardsmith.safe_files import read_json


def rank_cli(
    run: Annotated[Path, typer.Argument(help="The run directory waiting for a ranking.")],
    terminal: Annotated[bool, typer.Option(help="Ask in the terminal instead of the web "
                                                "page.")] = False,
    port: Annotated[int, typer.Option(help="Port of the page (0: any free one).")] = 0,
    open_browser: Annotated[bool, typer.Option(help="Open the page in a browser.")] = False,
) -> None:
    """Rank the rollout videos of a run waiting for preference feedback.

    Serves a local page (videos side by side; pick best and worst); the run continues when you
    submit.
    """
    if not 0 <= port <= 65535:
        raise RewardsmithError(f"--port must be between 0 (any free port) and 65535, got {port}")
    run_dir = open_run(run)
    pending = [i for i in run_dir.iterations() if run_dir.ranking_request_json(i).exists()
               and not run_dir.ranking_json(i).exists()]
    if not pending:
        raise RewardsmithError(f"{run} is not waiting for a ranking (start it with "
                               f"`rewardsmith design ... --feedback preference`)")
    path = run_dir.ranking_request_json(pending[-1])
    request = read_json(path)  # CorruptRunFile for a truncated, binary or linked file
    items = _candidates(path, request)
    if terminal:
        from rewardsmith.feedback.terminal_ranking import rank_in_terminal

        ranking = rank_in_terminal(items, console=console)
    else:
        from rewardsmith.feedback.ranking_page import serve_ranking_page

        try:
            ranking = serve_ranking_page(
                items, title=request.get("title") or run_dir.root.name,
                context_text=request.get("context", ""), port=port, open_browser=open_browser,
                on_ready=lambda url: console.print(f"open {safe(url)} to rank; waiting for "
                                                   f"your answer"))
        except OSError as exc:  # the port is taken, or binding is not allowed
            raise RewardsmithError(f"cannot serve the ranking page on 127.0.0.1:{port}: "
                                   f"{exc.strerror or exc}; pass another --port, or --port 0 "
                                   f"for any free one, or use --terminal") from None
    ranking.save(run_dir.ranking_json(pending[-1]))
    console.print(f"ranking saved: best {safe(ranking.best)}, worst {safe(ranking.worst)}; the "
                  f"run goes on")


def _candidates(path: Path, request: Any) -> list:
    """The candidates of a ranking request, checked: the file is written by the run, but a
    hand edit or a disk fault must end in one line naming it, not a KeyError.

    Raises:
        CorruptRunFile: ``request`` is not an object with ``title``, ``context`` and a non-empty
            list of candidates that each have an ``id`` and a ``label``.
    """
    from rewardsmith.feedback.ranking import RankingCandidate

    if not isinstance(request, dict):
        raise CorruptRunFile(path, "is not the JSON object of a ranking request")
    for key in ("title", "context"):
        if not isinstance(request.get(key, ""), str):
            raise CorruptRunFile(path, f"has a '{key}' that is not text")
    entries = request.get("candidates")
    if not isinstance(entries, list) or not entries:
        raise CorruptRunFile(path, "has no list of candidates to rank")
    items = []
    for i, c in enumerate(entries):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) \
                or not isinstance(c.get("label"), str) \
                or not isinstance(c.get("video") or "", str):
            raise CorruptRunFile(path, f"has a candidate {i} without a text id and label")
        try:
            items.append(RankingCandidate(id=c["id"], label=c["label"],
                                          video=Path(c["video"]) if c.get("video") else None))
        except ValidationError as exc:
            raise CorruptRunFile(path, f"has a candidate {i} that is not valid: "
                                       f"{describe_validation_error(exc)}") from None
    return items
