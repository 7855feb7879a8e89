"""Evaluate a policy on a separate env: task fitness, success, episode length, components.

Runs ``n_episodes`` envs side by side (one episode each) so policy inference is batched. Also
keeps short per-episode traces of each component and of the fitness, which the analyzer turns
into text for the designer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.rl.wrappers import VecRewardWrapper

TRACE_POINTS = 50


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
    venv = VecRewardWrapper(make_vec_env(env_id, n_episodes, seed, env_kwargs), reward_fn,
                            fitness_fn=fitness_fn)
    obs = venv.reset()
    done = np.zeros(n_episodes, dtype=bool)
    length = np.zeros(n_episodes)
    env_ret = np.zeros(n_episodes)
    rew_ret = np.zeros(n_episodes)
    comp_ret: dict[str, np.ndarray] = {}
    fitness = np.full(n_episodes, np.nan)
    ended = {"time_limit": 0, "terminated": 0}
    trace_steps: list[dict[str, float]] = []
    while not done.all():
        actions = predict(normalize_obs(obs) if normalize_obs else obs)
        obs, rewards, dones, infos = venv.step(actions)
        live = ~done
        length += live
        rew_ret += np.where(live, rewards, 0.0)
        for i, info in enumerate(infos):
            if done[i]:
                continue
            env_ret[i] += info["original_env_rew"]
            for name, value in info["reward_components"].items():
                comp_ret.setdefault(name, np.zeros(n_episodes))[i] += value
            if dones[i]:
                fitness[i] = info.get("episode_fitness", np.nan)
                truncated = info.get("TimeLimit.truncated", False)
                ended["time_limit" if truncated else "terminated"] += 1
        if not done[0]:
            trace_steps.append(dict(infos[0]["reward_components"]))
        done |= dones
    venv.close()
    has_fitness = fitness_fn is not None
    success = None
    if has_fitness and success_threshold is not None:
        success = float(np.mean(fitness >= success_threshold))
    return EvalResult(
        fitness_mean=float(np.mean(fitness)) if has_fitness else None,
        fitness_std=float(np.std(fitness)) if has_fitness else None,
        success_rate=success,
        episode_length=float(length.mean()),
        env_return=float(env_ret.mean()),
        reward_return=float(rew_ret.mean()),
        component_returns={k: float(v.mean()) for k, v in comp_ret.items()},
        episode_fitness=[float(f) for f in fitness] if has_fitness else [],
        ended_by=ended,
        traces=_downsample(trace_steps),
    )


def _downsample(steps: list[dict[str, float]]) -> dict[str, list[float]]:
    """Each component of the first episode at about :data:`TRACE_POINTS` evenly spaced steps."""
    if not steps:
        return {}
    idx = np.unique(np.linspace(0, len(steps) - 1, min(TRACE_POINTS, len(steps))).astype(int))
    return {name: [round(steps[i][name], 5) for i in idx] for name in steps[0]}
