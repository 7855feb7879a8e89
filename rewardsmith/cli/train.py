"""``rewardsmith train``: train one policy on one reward and write its artifacts.

A ``--reward`` file runs in the sandbox, in a fresh, empty job folder made for it inside
``--out`` (``.sandbox-<random>/``): nothing that was in ``--out`` before is mounted into the
sandbox or handed to its user. Afterwards only the files a training writes are copied out of the
job folder, checked (:data:`rewardsmith.sandbox.outputs.TRAIN_OUTPUTS`): the metrics, the
tensors-only policy and its JSON statistics, the video and the TensorBoard logs. The policy's
pickles stay in the job folder.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

# escape() = plain text (no terminal escapes from the sandbox's metrics) + rich markup escaped
from rewardsmith.cli._console import safe as escape
from rewardsmith.cli._console import writable_folder
from rewardsmith.errors import RewardsmithError
from rewardsmith.run_dir import METRICS_JSON, POLICY_ZIP, VECNORMALIZE_PKL
from rewardsmith.safe_files import read_json

MAX_N_ENVS = 256  # more parallel envs than this is a typo, not a plan (each is a MuJoCo model)
MAX_REWARD_BYTES = 1 << 20  # the static check allows 64 kB; a bigger file is not a reward


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
    n_envs: Annotated[int | None, typer.Option(help="Parallel envs (default: the env's tuned "
                                                    "count, rewardsmith.rl.hyperparams).")]
    = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Output directory.")] = None,
    video: Annotated[bool, typer.Option(help="Write a rollout video.")] = True,
    sandbox: Annotated[bool, typer.Option(help="Run a --reward file in the sandbox (use "
                                               "--no-sandbox only for code you trust).")] = True,
) -> None:
    """Train a policy (SB3 PPO by default) on a reward.

    Writes metrics.json, the policy, TensorBoard logs and video.mp4 to --out. For a sandboxed
    --reward, the policy comes out as policy_weights.pt and vecnormalize.json (safe to load with
    rewardsmith.rl.safe_policy.load_safe_policy); its pickles stay in the job folder.
    """
    from rewardsmith.cli._console import console
    from rewardsmith.cli._progress import TrainingProgress

    _check_flags(task, env, reward, algo, steps, n_envs, seed)
    out = out or Path("runs") / time.strftime(f"train-{task or env}-%Y%m%d-%H%M%S")
    writable_folder(out, "--out")
    args = {"task": task, "env": env, "algo": algo, "steps": steps, "n_envs": n_envs,
            "seed": seed, "video": video}
    if env is not None:  # a task brings its own env kwargs; an env gets what its policy sees
        from rewardsmith.envs.env_settings import observation_kwargs

        args["env_kwargs"] = observation_kwargs(env) or None
    label = f"{task or env} ({algo})"
    job_dir = None
    with TrainingProgress(console, label) as progress:
        if reward is not None and sandbox:
            metrics, job_dir = _train_sandboxed(reward, args, out, progress)
        else:
            from rewardsmith.rl.training import train

            metrics = train(reward=reward, out=out, progress=progress, **args).metrics
    _print_summary(console, metrics, out, task or env, job_dir)


def _check_flags(task: str | None, env: str | None, reward: Path | None, algo: str,
                 steps: int | None, n_envs: int | None, seed: int) -> None:
    """Raise RewardsmithError for the first bad flag, before anything is imported or trained.

    ``--n-envs 0`` used to fail deep in SB3 (IndexError), ``--algo bogus`` with a KeyError,
    ``--steps 0`` trained the task's whole default budget and ``--steps -5`` nothing at all.
    """
    from rewardsmith.envs.registry import get_description, get_task

    if (task is None) == (env is None):
        raise RewardsmithError("give exactly one of --task TASK or --env ENV")
    if env is not None and reward is None:
        raise RewardsmithError("--env needs a --reward FILE (only tasks have a reference reward)")
    if task is not None:
        get_task(task)  # an unknown task: the list of known ones
    else:
        get_description(env)  # an unknown env: the list of known ones
    if n_envs is not None and not 1 <= n_envs <= MAX_N_ENVS:
        raise RewardsmithError(f"--n-envs must be between 1 and {MAX_N_ENVS}, got {n_envs}")
    if steps is not None and steps < 1:
        raise RewardsmithError(f"--steps must be a positive number of env steps, got {steps} "
                               f"(leave it out for the task's default budget)")
    if not 0 <= seed < 2**32:
        raise RewardsmithError(f"--seed must be between 0 and {2**32 - 1}, got {seed}")
    if reward is not None:
        _check_reward_file(reward)
    from rewardsmith.rl.policy import ALGOS  # imports SB3: only after the cheap checks

    if algo not in ALGOS:
        raise RewardsmithError(f"--algo must be one of {', '.join(ALGOS)}, got {algo!r}")


def _check_reward_file(reward: Path) -> None:
    """The reward file is a regular, readable UTF-8 file of a sane size."""
    if not reward.exists():
        raise RewardsmithError(f"--reward {reward} does not exist")
    if not reward.is_file():
        raise RewardsmithError(f"--reward {reward} is not a file (a folder or a device?): give "
                               f"the reward program's .py file")
    try:
        size = reward.stat().st_size
        if size > MAX_REWARD_BYTES:
            raise RewardsmithError(f"--reward {reward} is {size:,} bytes; a reward program is "
                                   f"at most {MAX_REWARD_BYTES:,}")
        reward.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RewardsmithError(f"--reward {reward} is not UTF-8 text (bad byte at offset "
                               f"{exc.start}): save it as UTF-8") from None
    except OSError as exc:
        raise RewardsmithError(f"--reward {reward} cannot be read: {exc.strerror or exc}") \
            from None


def _train_sandboxed(reward: Path, args: dict, out: Path, progress) -> tuple[dict, Path]:
    """Train in a fresh job folder inside ``out``; copy out only the checked outputs."""
    from rewardsmith.sandbox.outputs import TRAIN_OUTPUTS, copy_outputs
    from rewardsmith.sandbox.runner import run_sandboxed

    if not reward.is_file():
        raise RewardsmithError(f"reward file {reward} does not exist")
    source = reward.read_text()
    out.mkdir(parents=True, exist_ok=True)
    # Fresh and empty, made by us (mode 0700 until the sandbox's uid gets it): the only folder
    # the job can see or write. What --out held before is never mounted nor chowned.
    job_dir = Path(tempfile.mkdtemp(prefix=".sandbox-", dir=out))
    result = run_sandboxed("train", source, {**args, "out": "."}, job_dir, on_event=progress)
    if not result.ok:
        raise RewardsmithError(f"training in the sandbox failed ({result.error_kind}): "
                               f"{result.error} (the job's folder: {job_dir})")
    copied = copy_outputs(job_dir, out, TRAIN_OUTPUTS)
    if not copied.ok:
        raise RewardsmithError(f"training in the sandbox left files rewardsmith refuses, so "
                               f"none was copied to {out}: {copied.problem} (the job's folder: "
                               f"{job_dir})")
    return read_json(out / METRICS_JSON), job_dir  # our checked copy


def _print_summary(console, metrics: dict, out: Path, label: str, job_dir: Path | None) -> None:
    final = metrics.get("final") or {}
    table = Table(title=f"Trained {escape(label)} in {_num(metrics.get('wall_s'), '.0f')} s",
                  show_header=False)
    table.add_row("env steps", f"{_num(metrics.get('steps'), ',')} "
                               f"({_num(metrics.get('steps_per_s'), 'g')} steps/s)")
    if final.get("fitness_mean") is not None:
        table.add_row("fitness", f"{_num(final['fitness_mean'], '.3f')} ± "
                                 f"{_num(final.get('fitness_std'), '.3f')} "
                                 f"(threshold {_num(metrics.get('success_threshold'), 'g')})")
        table.add_row("success", "yes" if metrics.get("success") else "no")
        table.add_row("first success at", _num(metrics.get("first_success_steps"), ","))
        returned, last = metrics.get("returned") or {}, metrics.get("last") or {}
        if returned.get("from") == "best":
            table.add_row("policy written", f"the best evaluation's, at "
                                            f"{_num(returned.get('steps'), ',')} steps (scored "
                                            f"{_num(returned.get('picked_by_fitness'), '.3f')}; "
                                            f"the fitness above is from new episodes); the last "
                                            f"scored {_num(last.get('fitness_mean'), '.3f')}")
    table.add_row("episode length", _num(final.get("episode_length"), ".0f"))
    table.add_row("env's own return", _num(final.get("env_return"), ".1f"))
    for name, value in (final.get("component_returns") or {}).items():
        table.add_row(f"component {escape(name)}", f"{_num(value, '.2f')} per episode")
    table.add_row("output", escape(str(out)))
    if job_dir is not None:
        table.add_row("sandbox job folder", escape(f"{job_dir} (untrusted: its {POLICY_ZIP} and "
                                                   f"{VECNORMALIZE_PKL} are pickles; load them "
                                                   f"only in the sandbox)"))
    console.print(table)


def _num(value: Any, spec: str) -> str:
    """A number formatted with ``spec``; ``-`` when there is none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "-"
    return format(value, spec)
