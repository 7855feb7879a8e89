"""The ``rewardsmith`` command line: one module per command, each a thin wrapper.

Every command runs through :func:`main`, which ends each way a command can fail in a clear
message on stderr and a non-zero exit: a :class:`~rewardsmith.errors.RewardsmithError` is one
``error:`` line and exit 1 (the message is made plain text, because it may quote a candidate or
a run file), Ctrl-C is exit 130, and a flag typer cannot parse is typer's usage message and
exit 2. Commands check their inputs before any work and raise ``RewardsmithError`` for the rest.

Commands import their heavy parts (``rewardsmith.run``, ``rl``: torch, SB3, MuJoCo) inside the
command function, so ``rewardsmith --help`` and a bad flag answer in a fraction of a second.
"""

from __future__ import annotations

import sys

import typer

from rewardsmith.cli import check, design, envs, rank, refine, runs, train
from rewardsmith.cli._console import console, err_console, print_error
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning our errors into one ``error:`` line and exit code 1.

    Args:
        argv: the arguments (``sys.argv[1:]`` when None).
    """
    try:
        app(args=argv)
    except RewardsmithError as e:
        print_error(e)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]: finished work is on disk; "
                          "`rewardsmith resume RUN` continues a design run.")
        sys.exit(130)
