"""``rewardsmith envs`` and ``rewardsmith describe``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from rewardsmith.plain_text import plain_text


def _cell(value: object) -> Text:
    """A table cell that is never parsed as markup: tasks and envs can be registered by users,
    and a ``[/]`` in a task's text must print, not raise."""
    return Text(plain_text(value))


def envs_cli() -> None:
    """List the environments with descriptions and the built-in tasks."""
    from rewardsmith.cli._console import console
    from rewardsmith.envs.registry import all_tasks, env_ids

    envs = Table(title="Environments (rewardsmith describe ENV)")
    envs.add_column("env id")
    envs.add_column("tasks")
    tasks = all_tasks()
    for env_id in env_ids():
        envs.add_row(_cell(env_id), _cell(", ".join(t.id for t in tasks if t.env_id == env_id)))
    console.print(envs)
    table = Table(title="Built-in tasks (rewardsmith train --task TASK)")
    for column in ("task", "env", "what a user types", "success", "budget"):
        table.add_column(column)
    for t in tasks:
        table.add_row(_cell(t.id), _cell(t.env_id), _cell(t.text),
                      _cell(f"{t.fitness_doc} >= {t.success_threshold:g}"),
                      f"{t.default_steps:,}")
    console.print(table)


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
