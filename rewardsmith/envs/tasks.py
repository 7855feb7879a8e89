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
        algo_kwargs: overrides of the env's tuned training settings that the behaviour needs
            (a flip's wide action noise, :mod:`rewardsmith.envs.exploration`); a request for
            the same behaviour gets the same through the run's ``train_kwargs``.
        reference_reward: file name under ``envs/tasks/reference/`` (the "human expert" reward).
        fitness_source: for a written task (:func:`written_task`), the ``fitness.py`` text; its
            ``fitness`` is then None outside the sandbox (the code runs only in the worker).
        env_note: how episodes run on this task where ``env_kwargs`` change when the env ends
            one (one sentence). The env's description states the defaults, so without it the
            designer would be told the wrong rule; it gets this as a request's own settings.
    """

    id: str
    text: str
    env_id: str
    fitness: FitnessFn | None
    fitness_doc: str
    success_threshold: float
    default_steps: int
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    reference_reward: str = ""
    algo_kwargs: dict[str, Any] = field(default_factory=dict)
    fitness_source: str | None = None
    env_note: str = ""

    @property
    def is_written(self) -> bool:
        """Whether the success measure was written for this request (not built in)."""
        return self.id == WRITTEN_TASK_ID

    def job_spec(self) -> dict[str, Any]:
        """What a sandbox job needs to rebuild a written task around its loaded ``fitness.py``."""
        return {"text": self.text, "env": self.env_id, "env_kwargs": dict(self.env_kwargs),
                "threshold": self.success_threshold, "doc": self.fitness_doc,
                "default_steps": self.default_steps}

    @property
    def reference_reward_path(self) -> Path:
        """Path of the task's hand-written reference reward program."""
        name = self.reference_reward or f"{self.id.replace('-', '_')}.py"
        return resource_dir("envs") / "tasks" / "reference" / name


WRITTEN_TASK_ID = "written"


def written_task(text: str, env_id: str, *, fitness_doc: str, success_threshold: float,
                 default_steps: int, env_kwargs: dict[str, Any] | None = None,
                 fitness: FitnessFn | None = None, fitness_source: str | None = None) -> Task:
    """A task whose success measure was written for the request (a ``fitness.py``).

    In the parent it carries the source (``fitness_source``) and no callable; inside the sandbox
    the job rebuilds it with the ``fitness`` the worker loaded (:func:`task_from_job_spec`).
    """
    return Task(WRITTEN_TASK_ID, text, env_id, fitness, fitness_doc, float(success_threshold),
                int(default_steps), dict(env_kwargs or {}), fitness_source=fitness_source)


def task_from_job_spec(spec: dict[str, Any], fitness: FitnessFn) -> Task:
    """The written task of a sandbox job: :meth:`Task.job_spec` and the loaded fitness."""
    return written_task(spec["text"], spec["env"], fitness_doc=spec.get("doc", ""),
                        success_threshold=spec["threshold"],
                        default_steps=spec["default_steps"], env_kwargs=spec.get("env_kwargs"),
                        fitness=fitness)
