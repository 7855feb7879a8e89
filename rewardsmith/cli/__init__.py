"""The ``rewardsmith`` command line: one module per command, each a thin wrapper."""

from __future__ import annotations

import sys

import typer

from rewardsmith.cli import check, design, envs, rank, refine, runs, train
from rewardsmith.cli._console import console, err_console
from rewardsmith.errors import RewardsmithError

__all__ = ["app", "console", "err_console", "main"]

app = typer.Typer(
    name="rewardsmith",
    help="Design reward functions with an LLM (or the offline designer), check them in a "
         "sandbox, train and score them with MuJoCo + Stable-Baselines3.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    app.command("envs")(envs.envs_cli)
    app.command("describe")(envs.describe_cli)
    app.command("train")(train.train_cli)
    app.command("check")(check.check_cli)
    design.register(app)  # design and resume
    runs.register(app)  # inspect, export and report
    app.command("rank")(rank.rank_cli)
    app.command("refine")(refine.refine_cli)


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
