"""Tasks: what a user asks for, on which env, and how success is measured.

The fitness function reads the same named state as a reward program, but it is never shown to
the designer: it is what the evaluator ranks candidates by and what the synthetic preference
oracle uses. An episode's fitness is the sum of the per-step fitness divided by the horizon, so
an episode that ends early (a fall) counts the missing steps as zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.resources import resource_dir

FitnessFn = Callable[[Any, np.ndarray, Any], np.ndarray]


@dataclass(frozen=True)
class Task:
    """A built-in (or user-registered) task.

    Attributes:
        id: short name, e.g. ``"cheetah-run"``.
        text: what a user would type.
        env_id: gymnasium id.
        fitness: ``(state, action, next_state) -> (B,)`` per-step score; hidden from the designer.
        fitness_doc: what the fitness measures, with its unit (for reports).
        success_threshold: an episode whose fitness reaches this counts as a success.
        default_steps: training budget (env steps) that the reference reward needs.
        env_kwargs: passed to ``gymnasium.make``.
        reference_reward: file name under ``envs/tasks/reference/`` (the "human expert" reward).
    """

    id: str
    text: str
    env_id: str
    fitness: FitnessFn
    fitness_doc: str
    success_threshold: float
    default_steps: int
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    reference_reward: str = ""

    @property
    def reference_reward_path(self) -> Path:
        """Path of the task's hand-written reference reward program."""
        name = self.reference_reward or f"{self.id.replace('-', '_')}.py"
        return resource_dir("envs") / "tasks" / "reference" / name
