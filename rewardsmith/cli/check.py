"""``rewardsmith check FILE --env ENV`` (or ``--task``): is this reward (or fitness) fit for use?

Runs the static check, then the smoke test in the sandbox on recorded transitions of the env.
Exit 0 with a table of the components and their ranges, or exit 1 with one paragraph saying what
is wrong (the same text the designer LLM would get). Never hangs: the sandbox has a wall limit.
A file that defines ``compute_fitness`` (and no ``compute_reward``) is a success measure for
``rewardsmith design --fitness``: it gets the fitness trial instead (random and motionless
episodes scored; neither may reach the threshold).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rewardsmith.cli._console import safe
from rewardsmith.errors import RewardsmithError

console = Console()


def check(reward_file: str | Path, env: str | None = None, task: str | None = None, *,
          timeout_s: float | None = None, allow_unsafe: bool = False,
          threshold: float | None = None) -> int:
    """Check a reward file against an env (or a task's env) and print the verdict.

    Args:
        reward_file: the reward program (never imported here; it runs in the sandbox).
        env: gymnasium env id with a description, e.g. ``"HalfCheetah-v5"``.
        task: a task id; its env and env kwargs are used.
        timeout_s: wall-time limit of the sandboxed smoke test (the policy's by default).
        allow_unsafe: run even where no network isolation is available.
        threshold: for a fitness file, the success threshold (else its SUCCESS_THRESHOLD).

    Returns:
        The exit code: 0 when the reward passed, 1 otherwise.
    """
    from rewardsmith.sandbox.isolation import IsolationLimits
    from rewardsmith.sandbox.smoke_test import run_smoke_test
    from rewardsmith.sandbox.static_check import RewardCheckError, check_source

    path = Path(reward_file)
    if timeout_s is not None and not timeout_s > 0:
        return _fail(f"--timeout must be a positive number of seconds, got {timeout_s:g}")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return _fail(f"cannot read the reward file {path}: {e}")
    if _is_fitness(source):
        return check_fitness(path, source, env, task, threshold, allow_unsafe)
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


def _is_fitness(source: str) -> bool:
    """Whether ``source`` is a fitness program: it defines compute_fitness, not compute_reward."""
    import ast

    try:
        names = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return "compute_fitness" in names and "compute_reward" not in names


def check_fitness(path: Path, source: str, env: str | None, task: str | None,
                  threshold: float | None, allow_unsafe: bool) -> int:
    """The fitness trial of :mod:`rewardsmith.sandbox.fitness_test`, printed as a table."""
    from rewardsmith.run.fitness import summarise_trial, threshold_of
    from rewardsmith.sandbox.fitness_test import run_fitness_smoke_test

    try:
        env_id, env_kwargs = _resolve_env(env, task)
        value = threshold_of(source, threshold, str(path))
        with tempfile.TemporaryDirectory(prefix="rewardsmith-check-") as tmp:
            result = run_fitness_smoke_test(source, env_id, value, Path(tmp) / "job",
                                            env_kwargs, allow_unsafe=allow_unsafe)
    except RewardsmithError as e:
        return _fail(str(e))
    report = result.result if isinstance(result.result, dict) else None
    if report is not None and "baselines" in report:
        table = Table(title=f"{safe(path.name)} (success measure) on {safe(env_id)}: "
                            f"threshold {value:g}", title_justify="left")
        for column in ("policy", "episode fitness", "reached", "episode lengths"):
            table.add_column(column)
        for name, data in report["baselines"].items():
            table.add_row(safe(name, 40), ", ".join(_fmt(f, ".3f") for f in data["fitness"]),
                          f"{_fmt(data['reached'], 'd')}/{len(data['fitness'])}",
                          ", ".join(_fmt(n, "d") for n in data["lengths"]))
        console.print(table)
        console.print(safe(summarise_trial(report), 1000), highlight=False)
    if not result.ok:
        return _fail(f"{path} cannot measure success on {env_id} ({result.error_kind} error): "
                     f"{result.error}")
    console.print(f"[green]ok[/green] usable with rewardsmith design --fitness {safe(path)}",
                  highlight=False)
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
    """Print the verdict as one line: the message is plain text (it quotes the candidate)."""
    console.print(f"[bold red]error[/bold red] {safe(message)}", highlight=False,
                  soft_wrap=True)
    return 1


def _print_summary(path: Path, env_id: str, result) -> None:
    """Print the smoke test's report; every value is checked and every text made plain,
    because the report was written in the sandbox, next to the candidate."""
    report = result.result if isinstance(result.result, dict) else {}
    table = Table(title=f"{safe(path.name)} on {safe(env_id)}: "
                        f"{_fmt(report.get('n_transitions'), 'd')} recorded transitions",
                  title_justify="left")
    for column in ("component", "min", "mean", "max", "std"):
        table.add_column(column, justify="left" if column == "component" else "right")
    components = report.get("components") if isinstance(report.get("components"), dict) else {}
    rows = [*components.items(), ("total", report.get("total"))]
    for i, (name, stats) in enumerate(rows):
        style = "bold" if i == len(rows) - 1 else None
        stats = stats if isinstance(stats, dict) else {}
        table.add_row(safe(name, 80), *(_fmt(stats.get(k), ".4g")
                                        for k in ("min", "mean", "max", "std")), style=style)
    console.print(table)
    sums = "yes" if report.get("components_sum_to_total") is True else "no"
    console.print(f"[green]ok[/green] deterministic, components sum to the total: {sums}, "
                  f"{_fmt(report.get('us_per_call'), 'g')} us per call of "
                  f"{_fmt(report.get('main_batch_size'), 'd')} transitions, checked in "
                  f"{result.wall_s:.1f} s", highlight=False)
    warnings = report.get("warnings") if isinstance(report.get("warnings"), list) else []
    for warning in warnings:
        console.print(f"[yellow]warning[/yellow] {safe(warning, 500)}", highlight=False)
    console.print(f"sandbox: {safe(', '.join(map(str, result.layers)))}", style="dim",
                  highlight=False)


def _fmt(value: Any, spec: str) -> str:
    """``value`` formatted with ``spec`` when it is a finite number (an int for ``d``), else
    ``?``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    if spec == "d":
        return str(value) if isinstance(value, int) else "?"
    return format(value, spec) if math.isfinite(value) else "?"


def check_cli(
    reward_file: Annotated[Path, typer.Argument(
        help="The reward program (or fitness program) to check.")],
    env: Annotated[str | None, typer.Option("--env", help="Env id, e.g. HalfCheetah-v5.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Task id (uses its env).")] = None,
    timeout: Annotated[float | None, typer.Option(help="Wall-time limit in seconds.")] = None,
    allow_unsafe: Annotated[bool, typer.Option(
        "--allow-unsafe", help="Run without network isolation (not recommended).")] = False,
    threshold: Annotated[float | None, typer.Option(
        help="For a fitness file: the success threshold (default: its SUCCESS_THRESHOLD).")]
    = None,
) -> None:
    """Check a reward program (or a fitness program): static check, then a sandboxed trial."""
    raise typer.Exit(check(reward_file, env, task, timeout_s=timeout, allow_unsafe=allow_unsafe,
                           threshold=threshold))
