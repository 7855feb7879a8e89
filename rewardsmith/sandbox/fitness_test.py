"""The fitness smoke test, parent side: run a written ``fitness.py`` in the sandbox before use.

The worker half is :mod:`rewardsmith.sandbox.jobs.fitness_smoke`. The static check (the same
allow-list as a reward, entry ``compute_fitness``) is the runner's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.runner import SandboxResult, run_sandboxed


def run_fitness_smoke_test(fitness_source: str, env_id: str, threshold: float, workdir: Path,
                           env_kwargs: dict[str, Any] | None = None, seed: int = 0,
                           on_event: Callable[[dict[str, Any]], None] | None = None,
                           **sandbox_options: Any) -> SandboxResult:
    """Score random and motionless episodes of ``env_id`` with a written fitness, sandboxed.

    ``result.ok`` is True only when the fitness runs, varies, and neither baseline reaches
    ``threshold``; ``result.error`` says what failed in words the designer (or user) can act
    on, ``result.result`` carries the statistics (see the job).
    """
    return run_sandboxed("fitness_smoke", None,
                         {"env": env_id, "threshold": float(threshold),
                          "env_kwargs": dict(env_kwargs or {}), "seed": int(seed)},
                         workdir, on_event=on_event, fitness_source=fitness_source,
                         **sandbox_options)
