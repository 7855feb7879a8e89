"""``rewardsmith envs`` and ``rewardsmith describe``.

``envs`` shows each built-in task's measured reference fitness next to its budget and threshold
(read by :mod:`rewardsmith.results.reference_runs`), so a user can see what the budget buys.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from rewardsmith.plain_text import plain_text
from rewardsmith.results.reference_runs import (
    OK,
    UNREADABLE,
    ReferenceRuns,
    fitness_summary,
    load_reference_runs,
)


def _cell(value: object) -> Text:
    """A table cell that is never parsed as markup: tasks and envs can be registered by users,
    and a ``[/]`` in a task's text must print, not raise."""
    return Text(plain_text(value))


def envs_cli() -> None:
    """List the environments with descriptions and the built-in tasks."""
    from rewardsmith.cli._console import console, err_console
    from rewardsmith.envs.registry import all_tasks, env_ids

    envs = Table(title="Environments (rewardsmith describe ENV)")
    envs.add_column("env id")
    envs.add_column("tasks")
    tasks = all_tasks()
    for env_id in env_ids():
        envs.add_row(_cell(env_id), _cell(", ".join(t.id for t in tasks if t.env_id == env_id)))
    console.print(envs)
    measured = load_reference_runs()
    table = Table(title="Built-in tasks (rewardsmith train --task TASK)",
                  caption=_caption(measured))
    # the task id is what the user types next: never cut it, even on an 80-column terminal
    # (each task's env is in the table above, so this one leaves it out for room)
    table.add_column("task", no_wrap=True, min_width=max((len(t.id) for t in tasks), default=4))
    table.add_column("what a user types", overflow="fold")
    table.add_column("success", overflow="fold")
    table.add_column("budget", justify="right", no_wrap=True,
                     min_width=max((len(f"{t.default_steps:,}") for t in tasks), default=6))
    table.add_column("reference fitness (seeds)", overflow="fold")
    for t in tasks:
        table.add_row(_cell(t.id), _cell(t.text),
                      _cell(f"{t.fitness_doc} >= {t.success_threshold:g}"),
                      f"{t.default_steps:,}",
                      _cell(fitness_summary(measured, t.id, t.success_threshold,
                                            t.default_steps)))
    console.print(table)
    if measured.status == UNREADABLE:
        note = (f"note: {measured.path} {measured.problem}; fix or delete it "
                "(benchmarks/bench_reference_runs.py writes it)")
        err_console.print(Text(plain_text(note)), soft_wrap=True)


def _caption(measured: ReferenceRuns) -> Text | None:
    """Where the reference fitness column comes from, so its numbers can be traced."""
    if measured.status != OK:
        return None
    skipped = f"; {measured.skipped} malformed entries skipped" if measured.skipped else ""
    return _cell(f"reference fitness: final evaluation of the task's reference reward at its "
                 f"default budget, one number per seed, from {measured.path}{skipped}")


def describe_cli(
    env: Annotated[str, typer.Argument(help="Environment id, e.g. HalfCheetah-v5.")],
    raw: Annotated[bool, typer.Option("--raw", help="Print the Markdown source.")] = False,
) -> None:
    """Print the environment description the designer sees (never the env's own reward)."""
    from rewardsmith.cli._console import console
    from rewardsmith.envs.registry import describe_env

    text = describe_env(env)
    if raw:
        typer.echo(text)
    else:
        console.print(Markdown(text))
