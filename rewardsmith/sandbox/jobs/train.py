"""The ``"train"`` job: train a policy on the candidate's reward, inside the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardsmith.rl.training import train
from rewardsmith.sandbox.jobs.workdir import Emit, inside


def run_train(reward_fn: Any, workdir: Path, emit: Emit, *, out: str = "train",
              **train_args: Any) -> dict[str, Any]:
    """Train a policy on the reward with :func:`rewardsmith.rl.training.train`.

    Args:
        reward_fn: the candidate's ``compute_reward``.
        workdir: the job folder.
        emit: receives the training's progress and evaluation events.
        out: output folder, relative to the job folder.
        **train_args: passed on (``task``, ``env``, ``steps``, ``n_envs``, ``seed``, ...).
    """
    out_dir = inside(workdir, out)
    result = train(reward=reward_fn, out=out_dir, progress=emit, **train_args)
    return {"out": out, "metrics": result.metrics}
