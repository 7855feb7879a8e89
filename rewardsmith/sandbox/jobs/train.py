"""The ``"train"`` job: train a policy on the candidate's reward, inside the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardsmith.envs.tasks import task_from_job_spec
from rewardsmith.rl.training import train
from rewardsmith.sandbox.jobs.fitness_smoke import checked_fitness
from rewardsmith.sandbox.jobs.workdir import Emit, inside


def run_train(reward_fn: Any, workdir: Path, emit: Emit, *, out: str = "train",
              written_task: dict[str, Any] | None = None, fitness_fn: Any = None,
              end_file: str | None = None, **train_args: Any) -> dict[str, Any]:
    """Train a policy on the reward with :func:`rewardsmith.rl.training.train`.

    Args:
        reward_fn: the candidate's ``compute_reward``.
        workdir: the job folder.
        emit: receives the training's progress and evaluation events.
        out: output folder, relative to the job folder.
        written_task: the spec of a task whose success measure was written for the request
            (``Task.job_spec``); ``fitness_fn`` is then its ``fitness.py``, loaded by the worker.
        fitness_fn: the written ``compute_fitness`` (checked against the contract each call).
        end_file: a path in the job folder; once the parent creates it, training ends at its
            next evaluation and saves what it has (another candidate already succeeded).
        **train_args: passed on (``task``, ``env``, ``steps``, ``n_envs``, ``seed``, ...).
    """
    out_dir = inside(workdir, out)
    if written_task is not None:
        train_args["task"] = task_from_job_spec(written_task, checked_fitness(fitness_fn))
    if end_file is not None:
        flag = inside(workdir, end_file)
        train_args["should_stop"] = lambda record: flag.exists()
    result = train(reward=reward_fn, out=out_dir, progress=emit, **train_args)
    return {"out": out, "metrics": result.metrics}
