"""``rewardsmith check REWARD.py --env ENV`` (or ``--task``): is this reward fit for training?

Runs the static check, then the smoke test in the sandbox on recorded transitions of the env.
Exit 0 with a table of the components and their ranges, or exit 1 with one paragraph saying what
is wrong (the same text the designer LLM would get). Never hangs: the sandbox has a wall limit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rewardsmith.errors import RewardsmithError

console = Console()


def check(reward_file: str | Path, env: str | None = None, task: str | None = None, *,
          timeout_s: float | None = None, allow_unsafe: bool = False) -> int:
    """Check a reward file against an env (or a task's env) and print the verdict.

    Args:
        reward_file: the reward program (never imported here; it runs in the sandbox).
        env: gymnasium env id with a description, e.g. ``"HalfCheetah-v5"``.
        task: a task id; its env and env kwargs are used.
        timeout_s: wall-time limit of the sandboxed smoke test (the policy's by default).
        allow_unsafe: run even where no network isolation is available.

    Returns:
        The exit code: 0 when the reward passed, 1 otherwise.
    """
    from rewardsmith.sandbox.isolation import IsolationLimits
    from rewardsmith.sandbox.smoke_test import run_smoke_test
    from rewardsmith.sandbox.static_check import RewardCheckError, check_source

    path = Path(reward_file)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return _fail(f"cannot read the reward file {path}: {e}")
    issues = check_source(source)
    if issues:
        return _fail(str(RewardCheckError(issues, origin=str(path))))
    try:
        env_id, env_kwargs = _resolve_env(env, task)
        limits = IsolationLimits.from_policy("smoke")
        if timeout_s is not None:
            limits = limits.replace(wall_s=timeout_s)
        with tempfile.TemporaryDirectory(prefix="rewardsmith-check-") as tmp:
            result = run_smoke_test(source, env_id, Path(tmp) / "job", env_kwargs=env_kwargs,
                                    limits=limits, allow_unsafe=allow_unsafe)
    except RewardsmithError as e:
        return _fail(str(e))
    if not result.ok:
        return _fail(f"{path} is not fit for training on {env_id} ({result.error_kind} error): "
                     f"{result.error}")
    _print_summary(path, env_id, result)
    return 0


def _resolve_env(env: str | None, task: str | None) -> tuple[str, dict]:
    from rewardsmith.envs.registry import get_description, get_task

    if task is not None:
        task_obj = get_task(task)
        return task_obj.env_id, dict(task_obj.env_kwargs)
    if env is None:
        raise RewardsmithError("give the environment to check against: --env ENV_ID (e.g. "
                               "--env HalfCheetah-v5) or --task TASK_ID")
    get_description(env)  # an unknown env fails here, with the list of known ones
    return env, {}


def _fail(message: str) -> int:
    console.print(f"[bold red]error[/bold red] {escape(message)}", highlight=False,
                  soft_wrap=True)
    return 1


def _print_summary(path: Path, env_id: str, result) -> None:
    report = result.result
    table = Table(title=f"{path.name} on {env_id}: {report['n_transitions']} recorded "
                        f"transitions", title_justify="left")
    for column in ("component", "min", "mean", "max", "std"):
        table.add_column(column, justify="left" if column == "component" else "right")
    rows = [*report["components"].items(), ("total", report["total"])]
    for i, (name, stats) in enumerate(rows):
        style = "bold" if i == len(rows) - 1 else None
        table.add_row(escape(name), *(f"{stats[k]:.4g}" for k in ("min", "mean", "max", "std")),
                      style=style)
    console.print(table)
    sums = "yes" if report["components_sum_to_total"] else "no"
    console.print(f"[green]ok[/green] deterministic, components sum to the total: {sums}, "
                  f"{report['us_per_call']:g} us per call of {report['main_batch_size']} "
                  f"transitions, checked in {result.wall_s:.1f} s", highlight=False)
    for warning in report["warnings"]:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}", highlight=False)
    console.print(f"sandbox: {', '.join(result.layers)}", style="dim", highlight=False)


def check_cli(
    reward_file: Annotated[Path, typer.Argument(help="The reward program to check.")],
    env: Annotated[str | None, typer.Option("--env", help="Env id, e.g. HalfCheetah-v5.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Task id (uses its env).")] = None,
    timeout: Annotated[float | None, typer.Option(help="Wall-time limit in seconds.")] = None,
    allow_unsafe: Annotated[bool, typer.Option(
        "--allow-unsafe", help="Run without network isolation (not recommended).")] = False,
) -> None:
    """Check a reward program: static check, then a smoke test in the sandbox."""
    raise typer.Exit(check(reward_file, env, task, timeout_s=timeout, allow_unsafe=allow_unsafe))
