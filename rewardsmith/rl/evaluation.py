"""Evaluate a policy on a separate env: task fitness, success, episode length, components.

The episodes come from the package's one rollout loop (:func:`rewardsmith.rl.rollout.run_episodes`,
``n_episodes`` envs side by side so policy inference is batched); this module only summarises
them for a training's ``metrics.json``. It also keeps a short trace of each component over the
first episode, which the analyzer turns into text for the designer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rewardsmith.rl.rollout import count_endings, downsample, run_episodes, trace_indices


@dataclass
class EvalResult:
    """What one evaluation measured (JSON-friendly via :meth:`to_dict`)."""

    fitness_mean: float | None
    fitness_std: float | None
    success_rate: float | None
    episode_length: float
    env_return: float
    reward_return: float
    component_returns: dict[str, float]
    episode_fitness: list[float] = field(default_factory=list)
    ended_by: dict[str, int] = field(default_factory=dict)
    traces: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for ``metrics.json``."""
        return asdict(self)


def evaluate_policy(predict: Callable[[np.ndarray], np.ndarray], env_id: str, reward_fn: Any,
                    *, fitness_fn: Any = None, success_threshold: float | None = None,
                    env_kwargs: dict[str, Any] | None = None, n_episodes: int = 4,
                    seed: int = 10_000,
                    normalize_obs: Callable[[np.ndarray], np.ndarray] | None = None,
                    ) -> EvalResult:
    """Run one episode in each of ``n_episodes`` envs and summarise.

    Args:
        predict: maps a batch of observations to a batch of actions (deterministic policy).
        env_id: gymnasium id.
        reward_fn: the reward program whose components are reported.
        fitness_fn: the task's per-step fitness, or ``None`` when the task has none.
        success_threshold: episode fitness that counts as success.
        env_kwargs: passed to ``gymnasium.make``.
        n_episodes: episodes (one per env).
        seed: seed of the evaluation envs (distinct from training's).
        normalize_obs: the training ``VecNormalize``'s observation normaliser, if any.
    """
    episodes = run_episodes(predict, env_id, reward_fn, fitness_fn=fitness_fn,
                            env_kwargs=env_kwargs, n_episodes=n_episodes, seed=seed,
                            normalize_obs=normalize_obs)
    has_fitness = fitness_fn is not None
    fitness = np.array([np.nan if e.fitness is None else e.fitness for e in episodes])
    success = None
    if has_fitness and success_threshold is not None:
        success = float(np.mean(fitness >= success_threshold))
    first = episodes[0]
    return EvalResult(
        fitness_mean=float(np.mean(fitness)) if has_fitness else None,
        fitness_std=float(np.std(fitness)) if has_fitness else None,
        success_rate=success,
        episode_length=float(np.mean([e.length for e in episodes])),
        env_return=float(np.mean([e.env_return for e in episodes])),
        reward_return=float(np.mean([e.reward_return for e in episodes])),
        component_returns={name: float(np.mean([e.component_returns[name] for e in episodes]))
                           for name in first.components},
        episode_fitness=[float(f) for f in fitness] if has_fitness else [],
        ended_by=count_endings(episodes),
        traces=downsample(first.components, trace_indices(first.length)),
    )
