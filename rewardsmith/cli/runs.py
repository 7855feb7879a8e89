"""``rewardsmith inspect``, ``export`` and ``report``: look at a run, take its reward away.

Thin wrappers over :func:`rewardsmith.results.inspect.inspect_run`,
:func:`rewardsmith.results.export.export_run` and :func:`rewardsmith.results.report.report_run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from rewardsmith.cli._console import console, safe, writable_file, writable_folder
from rewardsmith.plain_text import plain_text

RunArg = Annotated[Path, typer.Argument(help="The run directory (it holds run.json).")]


def inspect_cli(run: RunArg) -> None:
    """Show a run: iterations x candidates, the best code, and how the best changed."""
    from rewardsmith.results.inspect import inspect_run
    from rewardsmith.results.render import render_run

    render_run(inspect_run(run), console)


def export_cli(
    run: RunArg,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Where to write the module (default: ./<name>_reward.py, here).")]
    = None,
) -> None:
    """Write the best reward as one Python module to copy into your project.

    The module holds the reward, a gymnasium wrapper that computes the state it reads from
    MuJoCo (no rewardsmith needed where the env allows), and usage for gymnasium and SB3.
    """
    from rewardsmith.results.export import export_run

    if out is not None:
        writable_file(out, "--out")
    path = export_run(run, out)
    standalone = "from rewardsmith import" not in path.read_text()
    console.print(Text(plain_text(f"wrote {path}")), highlight=False, soft_wrap=True)
    console.print("self-contained: needs numpy, gymnasium and mujoco, not rewardsmith"
                  if standalone else "[yellow]needs rewardsmith installed[/]: no standalone state "
                  "extraction for this env (see the module's docstring)", highlight=False)


def report_cli(
    run: RunArg,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="The HTML file to write (default: RUN/report.html).")] = None,
) -> None:
    """Write an HTML page: scores per candidate and iteration, component curves, videos."""
    from rewardsmith.results.report import report_run

    if out is not None and out.is_dir():
        writable_folder(out, "--out")
    elif out is not None:
        writable_file(out, "--out")
    path = report_run(run, out, warn=lambda problem: console.print(
        f"[yellow]warning[/]: {safe(problem)}", highlight=False, soft_wrap=True))
    console.print(Text(plain_text(f"wrote {path}\nopen it in a browser: "
                                  f"file://{path.resolve()}")), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``inspect``, ``export`` and ``report`` to the app."""
    app.command("inspect")(inspect_cli)
    app.command("export")(export_cli)
    app.command("report")(report_cli)
