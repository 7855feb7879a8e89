"""Ask for a best/worst preference in the terminal, for headless machines without a browser.

The web page is the better interface (a person should *watch* the rollouts), but training often
runs over SSH. This fallback lists the candidates with their video paths so the person can open
the files however they can, then asks for the best and the worst by number. Input comes through an
injectable ``input_fn`` so tests (and other front ends) can script the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.table import Table

from rewardsmith.feedback.ranking import (
    Ranking,
    RankingCandidate,
    RankingError,
    check_unique_ids,
)
from rewardsmith.plain_text import plain_text


def escape(text: str) -> str:
    """Plain text (no terminal escapes) with rich markup escaped: ids and labels are data."""
    return _escape_markup(plain_text(str(text)))


InputFn = Callable[[str], str]


def rank_in_terminal(
    candidates: Sequence[RankingCandidate],
    *,
    input_fn: InputFn = input,
    console: Console | None = None,
) -> Ranking:
    """Show the candidates as a table and ask for the best, the worst and an optional reason.

    Invalid answers (not a number in range, unknown id, worst equal to best) print a short error
    and ask the same question again, so one typo does not cost a training iteration. A candidate
    may be named by its number or by its exact id.

    Args:
        candidates: the candidates to rank (at least one, unique ids).
        input_fn: reads one answer given a prompt; ``input`` by default.
        console: where to print; a new rich ``Console`` by default.

    Returns:
        The ranking with ``source="terminal"`` and ``queries=1``.

    Raises:
        RankingError: no candidates, repeated ids, or the input ended (EOF) before an answer,
            e.g. when stdin is not a terminal; use the synthetic oracle for unattended runs.
    """
    if not candidates:
        raise RankingError("there are no candidates to rank")
    check_unique_ids(candidates)
    console = console or Console()
    console.print(_table(candidates))
    if len(candidates) == 1:
        only = candidates[0].id
        console.print(f"Only one candidate ({escape(only)}); it is both the best and the worst.")
        why = _ask(input_fn, "Why (optional, Enter to skip): ")
        return Ranking.from_choice(candidates, only, only, why=why, source="terminal")
    best = _ask_choice(candidates, input_fn, console, "Best candidate")
    worst = _ask_choice(candidates, input_fn, console, "Worst candidate", exclude=best)
    why = _ask(input_fn, "Why (optional, Enter to skip): ")
    return Ranking.from_choice(candidates, best, worst, why=why, source="terminal")


def _table(candidates: Sequence[RankingCandidate]) -> Table:
    table = Table(title="Candidates: watch the videos, then pick the best and the worst")
    table.add_column("#", justify="right")
    table.add_column("id")
    table.add_column("label")
    table.add_column("summary")
    table.add_column("video")
    for number, cand in enumerate(candidates, start=1):
        video = str(cand.video) if cand.video is not None else "(no video)"
        # Text from run dirs and LLM output may contain [brackets]: never read it as markup.
        table.add_row(*(escape(v) for v in (str(number), cand.id, cand.label, cand.summary, video)))
    return table


def _ask(input_fn: InputFn, prompt: str) -> str:
    try:
        return input_fn(prompt).strip()
    except EOFError as e:
        raise RankingError(
            "input ended before a preference was given (is stdin a terminal?); "
            "use --feedback synthetic for unattended runs"
        ) from e


def _ask_choice(
    candidates: Sequence[RankingCandidate],
    input_fn: InputFn,
    console: Console,
    what: str,
    exclude: str | None = None,
) -> str:
    """Ask until the answer names a candidate (and not ``exclude``); return its id."""
    ids = [c.id for c in candidates]
    prompt = f"{what} [1-{len(candidates)}]: "
    while True:
        answer = _ask(input_fn, prompt)
        chosen = _parse_choice(answer, ids)
        if chosen is None:
            console.print(
                f"[red]'{escape(answer)}' is not a candidate: type a number from 1 to {len(ids)} "
                "or an exact id.[/red]",
                highlight=False,
            )
        elif chosen == exclude:
            console.print(
                f"[red]{escape(chosen)} is already the best: "
                "the worst must be a different candidate.[/red]",
                highlight=False,
            )
        else:
            return chosen


def _parse_choice(answer: str, ids: list[str]) -> str | None:
    if answer.isdigit() and 1 <= int(answer) <= len(ids):
        return ids[int(answer) - 1]
    return answer if answer in ids else None
