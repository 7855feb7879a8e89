"""The trusted jobs the sandbox worker runs on a loaded reward (``sandbox/worker.py`` dispatches).

Each job is ``fn(reward_fn, workdir, emit, **args) -> dict``: ``reward_fn`` is the candidate's
guarded ``compute_reward``, ``workdir`` the job's folder (the only writable place), ``emit`` sends
a progress event (a dict) to the parent, and ``args`` come from ``job.json``. The returned dict
must be JSON data; a dict with ``"ok": False`` marks the job as failed while keeping its details
(the smoke test does this). The modules in ``PRELOAD`` are imported before the seccomp filter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

JobFn = Callable[..., dict[str, Any]]

# kind -> (module, function). Imported on demand, so a smoke test never pays for torch and SB3.
JOB_FUNCTIONS: dict[str, tuple[str, str]] = {
    "smoke": ("rewardsmith.sandbox.jobs.smoke", "run_smoke"),
    "train": ("rewardsmith.sandbox.jobs.train", "run_train"),
    "reevaluate": ("rewardsmith.sandbox.jobs.reevaluate", "run_reevaluate"),
    "fitness_smoke": ("rewardsmith.sandbox.jobs.fitness_smoke", "run_fitness_smoke"),
}
JOBS = tuple(JOB_FUNCTIONS)


def job_function(kind: str) -> JobFn:
    """The function of job ``kind``; a clear error for an unknown kind."""
    if kind not in JOB_FUNCTIONS:
        raise ValueError(f"unknown job kind {kind!r}; expected one of {', '.join(JOBS)}")
    module, name = JOB_FUNCTIONS[kind]
    return getattr(importlib.import_module(module), name)


# Modules the worker imports before it installs the seccomp filter: some run a subprocess at
# import time (``glfw``, via gymnasium's MuJoCo renderer, checks its library version that way).
# Every kind gets ``PRELOAD_COMMON``; a kind not listed in ``PRELOAD`` gets only that.
PRELOAD_COMMON = ("gymnasium.envs.mujoco",)
PRELOAD: dict[str, tuple[str, ...]] = {
    "smoke": ("rewardsmith.sandbox.jobs.smoke",),
    "train": ("torch", "stable_baselines3", "rewardsmith.sandbox.jobs.train"),
    "reevaluate": ("torch", "stable_baselines3", "rewardsmith.sandbox.jobs.reevaluate"),
    "fitness_smoke": ("stable_baselines3", "rewardsmith.sandbox.jobs.fitness_smoke"),
}
