"""``rewardsmith refine``: one more iteration from a sentence of plain-language feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rewardsmith.cli._console import console
from rewardsmith.cli.design import _events, _print_result, _say, check_resumable
from rewardsmith.results.run_root import open_run


def refine_cli(
    run: Annotated[Path, typer.Argument(help="The run directory.")],
    feedback: Annotated[str, typer.Option(help="What you saw and want changed, e.g. \"the "
                                               "cheetah flips but lands on its back\".")],
    candidate: Annotated[str | None, typer.Option(help="ITERATION/CANDIDATE to refine, e.g. "
                                                       "0/2 (default: the best so far).")]
    = None,
) -> None:
    """Run one more iteration steered by your sentence (Text2Reward-style refinement)."""
    from rewardsmith.run.refine import refine

    check_resumable(open_run(run))  # refine resumes the run: the same files must be sound
    result = refine(run, feedback, candidate, on_event=_events(console, {}), say=_say(console))
    _print_result(console, result)
