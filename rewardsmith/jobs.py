"""The trusted jobs the sandbox worker runs on a loaded reward (``sandbox/worker.py`` dispatches).

Each job is ``fn(reward_fn, workdir, emit, **args) -> dict``: ``reward_fn`` is the candidate's
guarded ``compute_reward``, ``workdir`` the job's folder (the only writable place), ``emit`` sends
a progress event (a dict) to the parent, and ``args`` come from ``job.json``. The returned dict
must be JSON data; a dict with ``"ok": False`` marks the job as failed while keeping its details
(the smoke test does this). The modules in ``PRELOAD`` are imported before the seccomp filter.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.evaluator.jobs import run_reevaluate

Emit = Callable[[dict[str, Any]], None]
JobFn = Callable[..., dict[str, Any]]


def _inside(workdir: Path, relative: str) -> Path:
    """Resolve a job argument that names a path inside the job's folder."""
    path = (Path(workdir) / relative).resolve()
    if not path.is_relative_to(Path(workdir).resolve()):
        raise ValueError(f"job path {relative!r} leaves the job folder {workdir}; pass a path "
                         f"relative to it")
    return path


def run_smoke(reward_fn: Any, workdir: Path, emit: Emit, *, transitions: dict[str, str],
              max_call_s: float = 2.0) -> dict[str, Any]:
    """Smoke-test the reward on recorded transitions (see :mod:`rewardsmith.smoke`).

    Args:
        reward_fn: the candidate's ``compute_reward``.
        workdir: the job folder.
        emit: progress events.
        transitions: label -> ``.npz`` file (written by ``Transitions.save``) in the folder.
        max_call_s: one call slower than this fails the test.
    """
    from rewardsmith.smoke import smoke_check
    from rewardsmith.transitions import Transitions

    batches = {label: Transitions.load(_inside(workdir, name))
               for label, name in transitions.items()}
    emit({"event": "smoke_start", "batches": {k: len(v) for k, v in batches.items()}})
    return smoke_check(reward_fn, batches, max_call_s=max_call_s).to_dict()


def run_train(reward_fn: Any, workdir: Path, emit: Emit, *, out: str = "train",
              **train_args: Any) -> dict[str, Any]:
    """Train a policy on the reward with :func:`rewardsmith.training.train`.

    Args:
        reward_fn: the candidate's ``compute_reward``.
        workdir: the job folder.
        emit: receives the training's progress and evaluation events.
        out: output folder, relative to the job folder.
        **train_args: passed on (``task``, ``env``, ``steps``, ``n_envs``, ``seed``, ...).
    """
    from rewardsmith.training import train

    out_dir = _inside(workdir, out)
    result = train(reward=reward_fn, out=out_dir, progress=emit, **train_args)
    return {"out": out, "metrics": result.metrics}


JOBS: dict[str, JobFn] = {"smoke": run_smoke, "train": run_train,
                         "reevaluate": run_reevaluate}

# Modules the worker imports before it installs the seccomp filter: some run a subprocess at
# import time (``glfw``, via gymnasium's MuJoCo renderer, checks its library version that way).
# Every kind gets ``PRELOAD_COMMON``; a kind not listed in ``PRELOAD`` gets only that.
PRELOAD_COMMON = ("gymnasium.envs.mujoco",)
PRELOAD: dict[str, tuple[str, ...]] = {
    "smoke": ("rewardsmith.smoke", "rewardsmith.transitions"),
    "train": ("torch", "stable_baselines3", "rewardsmith.training"),
    "reevaluate": ("torch", "stable_baselines3"),
}
