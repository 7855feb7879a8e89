"""``rewardsmith rank RUN``: rank the rollouts of a run paused for preference feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rewardsmith.errors import RewardsmithError


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
    from rewardsmith.cli._console import console
    from rewardsmith.feedback.ranking import RankingCandidate
    from rewardsmith.run_dir import RunDir, read_json

    run_dir = RunDir.open(run)
    pending = [i for i in run_dir.iterations() if run_dir.ranking_request_json(i).is_file()
               and not run_dir.ranking_json(i).is_file()]
    if not pending:
        raise RewardsmithError(f"{run} is not waiting for a ranking (start it with "
                               f"`rewardsmith design ... --feedback preference`)")
    request = read_json(run_dir.ranking_request_json(pending[-1]))
    items = [RankingCandidate(id=c["id"], label=c["label"],
                              video=Path(c["video"]) if c.get("video") else None)
             for c in request["candidates"]]
    if terminal:
        from rewardsmith.feedback.terminal_ranking import rank_in_terminal

        ranking = rank_in_terminal(items, console=console)
    else:
        from rewardsmith.feedback.ranking_page import serve_ranking_page

        ranking = serve_ranking_page(
            items, title=request["title"], context_text=request["context"], port=port,
            open_browser=open_browser,
            on_ready=lambda url: console.print(f"open {url} to rank; waiting for your answer"))
    ranking.save(run_dir.ranking_json(pending[-1]))
    console.print(f"ranking saved: best {ranking.best}, worst {ranking.worst}; the run goes on")
