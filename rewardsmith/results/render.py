"""Draw a :class:`~rewardsmith.results.inspect.RunView` in the terminal (``rewardsmith inspect``).

Every text from the run is plain text (:func:`rewardsmith.plain_text.plain_text`) printed with
markup off: names, errors and code come from candidates and the LLM.
"""

from __future__ import annotations

from typing import Any

from rewardsmith.plain_text import finite_number, plain_text
from rewardsmith.results.inspect import CandidateView, RunView, best_label
from rewardsmith.run_dir import candidate_id

_STYLE = {"trained": "green", "stopped early": "yellow", "failed": "red", "rejected": "red",
          "accepted": "cyan"}


def cell_text(view: RunView, iteration: int, c: CandidateView) -> str:
    """Plain text of one table cell: score (or rank under preferences) and state."""
    parts = [f"#{c.rank}"] if view.preference and c.rank is not None else []
    if c.fitness is not None:
        parts.append(f"{c.fitness:.3f}")
    parts.append(c.state)
    if view.is_best(iteration, c.id):
        parts.append("★")
    if c.preferred:
        parts.append(f"(picked {c.preferred})")
    return " ".join(parts)


def render_run(view: RunView, console: Any) -> None:
    """Print a :class:`RunView` with rich: summary, table, best code, diffs, LLM totals.

    Every text from the run (the task, errors, code, names) goes through
    :func:`~rewardsmith.plain_text.plain_text` and is printed as :class:`~rich.text.Text`,
    never parsed as markup: ``[/]`` in an error shows as ``[/]``, ``ESC[2J`` not at all.
    """
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    def say(text: str, style: str = "") -> None:
        console.print(Text(plain_text(text), style=style), highlight=False, soft_wrap=True)

    config = view.config
    console.rule(Text(plain_text(f"run {view.path.name}")))
    say(f"task: {config.get('text', '?')}\nenv: {config.get('env_id', '?')}"
        + (f" (task {config['task_id']})" if config.get("task_id") else "")
        + f"\nfeedback: {config.get('feedback', '?')}, designer: "
        f"{config.get('designer', '?')}, {config.get('candidates', '?')} candidates per "
        f"iteration, {len(view.iterations)} of at most {config.get('iterations', '?')} "
        f"iterations run, {config.get('steps') or 'default'} steps each")
    measure = view.measure
    if measure is not None:
        threshold = "?" if measure.threshold is None else f"{measure.threshold:g}"
        doc = measure.doc.rstrip(".") or "no description"
        say(f"success measure ({measure.origin}): {doc}; success = episode fitness >= "
            f"{threshold}")
        if measure.source:
            console.print(Syntax(plain_text(measure.source), "python", word_wrap=True))
    if config.get("env_note"):
        say(f"env settings: {config['env_note']}")
    if not view.iterations:
        say("no iteration has started yet", "yellow")
    width = max((len(it.candidates) for it in view.iterations), default=0)
    table = Table(title="iterations x candidates: " + ("#rank, " if view.preference else "")
                  + "task score, state (★ best of the run)")
    table.add_column("iteration", justify="right")
    for j in range(width):
        table.add_column(candidate_id(j))
    for it in view.iterations:
        cells = []
        for c in it.candidates:
            style = "bold green" if view.is_best(it.index, c.id) else _STYLE.get(c.state, "")
            cells.append(Text(plain_text(cell_text(view, it.index, c)), style=style))
        label = str(it.index) + ("" if it.finished else " (running)")
        table.add_row(label, *cells, *[""] * (width - len(cells)))
    if view.iterations:
        console.print(table)
    if view.best is None:
        say("no best yet: no candidate has finished training", "yellow")
    else:
        score = finite_number(view.best.get("fitness"))
        console.rule(Text(plain_text(f"best: {best_label(view.best)}"
                                     + (f", task score {score:.3f}" if score is not None
                                        else ""))))
        console.print(Syntax(plain_text(view.best["source"]), "python", line_numbers=True,
                             word_wrap=True))
        reeval = view.best_reeval or {}
        if reeval.get("fitness_mean") is not None:
            say(f"re-evaluated on {plain_text(reeval.get('n_seeds', '?'), 12)} seeds: "
                f"{reeval['fitness_mean']:.3f} ± {reeval.get('fitness_sem') or 0:.3f}")
        if view.success is not None:
            say("success threshold reached" if view.success else "success threshold not reached")
    for old, new, diff in view.best_diffs():
        console.rule(Text(plain_text(f"best changed: {old} -> {new}")))
        console.print(Syntax(plain_text(diff) or "(identical code)\n", "diff"))
    if view.llm is not None:
        llm = view.llm
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(llm.by_purpose.items()))
        say(f"LLM: {llm.calls} calls ({kinds}; {llm.errors} failed), "
            f"{llm.prompt_tokens:,} prompt + {llm.completion_tokens:,} completion "
            f"tokens, ${llm.cost_usd:.4f}")
    for problem in view.problems:
        say(f"warning: {problem}", "yellow")
