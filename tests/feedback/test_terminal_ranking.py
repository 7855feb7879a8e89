"""The terminal fallback for preferences, driven by scripted input."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.console import Console

from rewardsmith.feedback.ranking import Ranking, RankingCandidate, RankingError
from rewardsmith.feedback.terminal_ranking import rank_in_terminal

CANDIDATES = [
    RankingCandidate(
        id="iter_1/cand_0",
        label="height only",
        video=Path("runs/x/cand_0.mp4"),
        summary="success 0.1",
    ),
    RankingCandidate(
        id="iter_1/cand_1", label="height + [upright]", video=None, summary="training failed"
    ),
    RankingCandidate(id="iter_1/cand_2", label="upright bonus", video=Path("runs/x/cand_2.mp4")),
]


def scripted(answers: Iterable[str]):
    """An ``input_fn`` that replays answers and records the prompts it was shown."""
    queue = list(answers)
    prompts: list[str] = []

    def input_fn(prompt: str) -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    input_fn.prompts = prompts  # type: ignore[attr-defined]
    return input_fn


def console() -> Console:
    return Console(file=io.StringIO(), width=150, color_system=None)


def test_valid_answers_give_a_terminal_ranking() -> None:
    out = console()
    ranking = rank_in_terminal(CANDIDATES, input_fn=scripted(["3", "2", "it stands"]), console=out)
    assert ranking == Ranking(
        best="iter_1/cand_2", worst="iter_1/cand_1", why="it stands", source="terminal", queries=1
    )
    table = out.file.getvalue()
    for text in [
        "iter_1/cand_0",
        "height + [upright]",
        "runs/x/cand_0.mp4",
        "(no video)",
        "training failed",
    ]:
        assert text in table


def test_invalid_entries_are_asked_again() -> None:
    out = console()
    input_fn = scripted(["", "0", "7", "two", " 1 ", "1", "[bold]x", "iter_1/cand_2", ""])
    ranking = rank_in_terminal(CANDIDATES, input_fn=input_fn, console=out)
    assert (ranking.best, ranking.worst, ranking.why) == ("iter_1/cand_0", "iter_1/cand_2", "")
    assert input_fn.prompts.count("Best candidate [1-3]: ") == 5
    assert input_fn.prompts.count("Worst candidate [1-3]: ") == 3
    log = out.file.getvalue()
    assert "'7' is not a candidate" in log
    assert "'[bold]x' is not a candidate" in log  # user text is printed, not read as markup
    assert "iter_1/cand_0 is already the best" in log


def test_single_candidate_is_both_best_and_worst() -> None:
    ranking = rank_in_terminal(CANDIDATES[:1], input_fn=scripted([""]), console=console())
    assert (ranking.best, ranking.worst, ranking.order) == ("iter_1/cand_0",) * 2 + (
        ["iter_1/cand_0"],
    )


def test_end_of_input_is_a_clear_error() -> None:
    with pytest.raises(RankingError, match="--feedback synthetic"):
        rank_in_terminal(CANDIDATES, input_fn=scripted(["1"]), console=console())


def test_bad_candidate_lists() -> None:
    with pytest.raises(RankingError, match="no candidates"):
        rank_in_terminal([], input_fn=scripted([]), console=console())
    with pytest.raises(RankingError, match="unique"):
        rank_in_terminal(CANDIDATES[:1] * 2, input_fn=scripted([]), console=console())
