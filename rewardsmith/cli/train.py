"""``rewardsmith train``: train one policy on one reward and write its artifacts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rewardsmith.errors import RewardsmithError
from rewardsmith.run_dir import METRICS_JSON, read_json


def train_cli(
    task: Annotated[str | None, typer.Option(help="Built-in task id (rewardsmith envs).")] = None,
    env: Annotated[str | None, typer.Option(help="Environment id, when training without a "
                                                 "task.")] = None,
    reward: Annotated[Path | None, typer.Option(help="Reward program (.py). Runs in the "
                                                     "sandbox. Default: the task's reference "
                                                     "reward.")] = None,
    algo: Annotated[str, typer.Option(help="ppo or sac.")] = "ppo",
    steps: Annotated[int | None, typer.Option(help="Env-step budget (default: the task's).")]
    = None,
    n_envs: Annotated[int, typer.Option(help="Parallel envs.")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Output directory.")] = None,
    video: Annotated[bool, typer.Option(help="Write a rollout video.")] = True,
    sandbox: Annotated[bool, typer.Option(help="Run a --reward file in the sandbox (use "
                                               "--no-sandbox only for code you trust).")] = True,
) -> None:
    """Train a policy (SB3 PPO by default) on a reward.

    Writes metrics.json, the policy, TensorBoard logs and video.mp4 to --out.
    """
    from rewardsmith.cli._console import console
    from rewardsmith.cli._progress import TrainingProgress

    if (task is None) == (env is None):
        raise RewardsmithError("give exactly one of --task TASK or --env ENV")
    if env is not None and reward is None:
        raise RewardsmithError("--env needs a --reward FILE (only tasks have a reference reward)")
    out = out or Path("runs") / time.strftime(f"train-{task or env}-%Y%m%d-%H%M%S")
    args = {"task": task, "env": env, "algo": algo, "steps": steps, "n_envs": n_envs,
            "seed": seed, "video": video}
    label = f"{task or env} ({algo})"
    with TrainingProgress(console, label) as progress:
        if reward is not None and sandbox:
            metrics = _train_sandboxed(reward, args, out, progress)
        else:
            from rewardsmith.rl.training import train

            metrics = train(reward=reward, out=out, progress=progress, **args).metrics
    _print_summary(console, metrics, out)


def _train_sandboxed(reward: Path, args: dict, out: Path, progress) -> dict:
    from rewardsmith.sandbox.runner import run_sandboxed

    if not reward.is_file():
        raise RewardsmithError(f"reward file {reward} does not exist")
    out.mkdir(parents=True, exist_ok=True)
    result = run_sandboxed("train", reward.read_text(), {**args, "out": "."}, out,
                           on_event=progress)
    if not result.ok:
        raise RewardsmithError(f"training in the sandbox failed ({result.error_kind}): "
                               f"{result.error}")
    # Written in the sandbox: read_json refuses a planted symlink or an oversized file.
    metrics = read_json(out / METRICS_JSON)
    if not isinstance(metrics, dict):
        raise RewardsmithError(f"training in the sandbox wrote no {out / METRICS_JSON}")
    return metrics


def _print_summary(console, metrics: dict, out: Path) -> None:
    final = metrics["final"]
    table = Table(title=f"Trained {metrics['task'] or metrics['env']} in {metrics['wall_s']:.0f} s",
                  show_header=False)
    table.add_row("env steps", f"{metrics['steps']:,} ({metrics['steps_per_s']} steps/s)")
    if final["fitness_mean"] is not None:
        table.add_row("fitness", f"{final['fitness_mean']:.3f} ± {final['fitness_std']:.3f} "
                                 f"(threshold {metrics['success_threshold']})")
        table.add_row("success", "yes" if metrics["success"] else "no")
        table.add_row("first success at", str(metrics["first_success_steps"]))
    table.add_row("episode length", f"{final['episode_length']:.0f}")
    table.add_row("env's own return", f"{final['env_return']:.1f}")
    for name, value in final["component_returns"].items():
        table.add_row(f"component {name}", f"{value:.2f} per episode")
    table.add_row("output", str(out))
    console.print(table)
