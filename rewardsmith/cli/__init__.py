"""The ``rewardsmith`` command line: one module per command, each a thin wrapper."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from rewardsmith.errors import RewardsmithError

app = typer.Typer(
    name="rewardsmith",
    help="Design reward functions with an LLM (or the offline designer), check them in a "
         "sandbox, train and score them with MuJoCo + Stable-Baselines3.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _register() -> None:
    from rewardsmith.cli import envs, train

    app.command("envs")(envs.envs_cli)
    app.command("describe")(envs.describe_cli)
    app.command("train")(train.train_cli)
    for module_name, command in (("check", "check"), ("design", "design"),
                                 ("runs", None), ("rank", "rank"), ("refine", "refine")):
        _register_optional(module_name, command)


def _register_optional(module_name: str, command: str | None) -> None:
    """Commands whose modules land in later issues register themselves when present."""
    import importlib

    try:
        module = importlib.import_module(f"rewardsmith.cli.{module_name}")
    except ModuleNotFoundError as e:
        if e.name == f"rewardsmith.cli.{module_name}":
            return
        raise
    register = getattr(module, "register", None)
    if register is not None:
        register(app)
    elif command is not None:
        app.command(command)(getattr(module, f"{command}_cli"))


_register()


def main() -> None:
    """Entry point: run the app, turning our errors into one ``[error]`` line and exit code 1."""
    try:
        app()
    except RewardsmithError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]: finished work is on disk; "
                          "`rewardsmith resume RUN` continues a design run.")
        sys.exit(130)
