"""The one rollout loop: run a policy for one episode in each of N envs, keep every step.

Both the periodic evaluation during training (:func:`rewardsmith.rl.evaluation.evaluate_policy`)
and the evaluator's re-evaluation of a saved policy (the sandbox's ``"reevaluate"`` job) run
their episodes here, so an episode's length, how it ended and its returns mean the same thing in
``metrics.json``, in the failure signatures and in the analyzer's text.

The ``n_episodes`` envs step side by side so policy inference is batched; each env contributes
only its first episode (later ones, after the vec env's auto-reset, are ignored). How an episode
ended uses gymnasium's two words, :data:`ENDINGS`: ``"time_limit"`` (truncated by the env's step
limit) and ``"terminated"`` (the env ended it: a fall, or leaving the valid region).

No torch or SB3 import here: ``predict`` is any callable, so a test can drive it with numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.rl.wrappers import VecRewardWrapper

TRACE_POINTS = 50
ENDINGS = ("time_limit", "terminated")


@dataclass
class Episode:
    """One finished episode, with its per-step values (each array has ``length`` entries).

    Attributes:
        length: steps taken.
        ended: ``"time_limit"`` or ``"terminated"`` (see :data:`ENDINGS`).
        fitness: the task's episode fitness (``info["episode_fitness"]``), ``None`` without a
            fitness function.
        rewards: the reward program's total at each step.
        env_rewards: the env's own reward at each step (``info["original_env_rew"]``).
        components: each reward component at each step.
        step_fitness: the task's per-step fitness, ``None`` without a fitness function.
    """

    length: int
    ended: str
    fitness: float | None
    rewards: np.ndarray
    env_rewards: np.ndarray
    components: dict[str, np.ndarray] = field(default_factory=dict)
    step_fitness: np.ndarray | None = None

    @property
    def reward_return(self) -> float:
        """Undiscounted sum of the reward program's total."""
        return float(self.rewards.sum())

    @property
    def env_return(self) -> float:
        """Undiscounted sum of the env's own reward."""
        return float(self.env_rewards.sum())

    @property
    def component_returns(self) -> dict[str, float]:
        """Undiscounted sum of each reward component."""
        return {name: float(values.sum()) for name, values in self.components.items()}

    def series(self) -> dict[str, np.ndarray]:
        """Every per-step value by name: ``reward``, each component, ``fitness``, ``env_reward``.

        Those three names mean the total, the task fitness and the env's reward wherever a trace
        is read, so a component that happens to share one is left out here (its sum is still in
        :attr:`component_returns`).
        """
        reserved = ("reward", "fitness", "env_reward")
        out = {"reward": self.rewards}
        out.update((k, v) for k, v in self.components.items() if k not in reserved)
        if self.step_fitness is not None:
            out["fitness"] = self.step_fitness
        out["env_reward"] = self.env_rewards
        return out

    def trace(self, points: int = TRACE_POINTS) -> tuple[list[int], dict[str, list[float]]]:
        """The steps kept and :meth:`series` at those steps (about ``points`` of them)."""
        idx = trace_indices(self.length, points)
        return [int(i) for i in idx], downsample(self.series(), idx)


def trace_indices(length: int, points: int = TRACE_POINTS) -> np.ndarray:
    """About ``points`` evenly spaced step indices of an episode of ``length`` steps.

    A short trace keeps the prompt small while still showing when a component rises or collapses.
    """
    if length <= 0:
        return np.zeros(0, dtype=int)
    return np.unique(np.linspace(0, length - 1, min(points, length)).astype(int))


def downsample(series: Mapping[str, Sequence[float] | np.ndarray],
               idx: np.ndarray) -> dict[str, list[float]]:
    """Each series at the steps ``idx``, rounded to 5 decimals (JSON and prompts stay short)."""
    return {name: [round(float(values[i]), 5) for i in idx] for name, values in series.items()}


def count_endings(episodes: Sequence[Episode]) -> dict[str, int]:
    """How many episodes ended each way; every label of :data:`ENDINGS` is present."""
    counts = dict.fromkeys(ENDINGS, 0)
    for episode in episodes:
        counts[episode.ended] += 1
    return counts


def run_episodes(predict: Callable[[np.ndarray], np.ndarray], env_id: str, reward_fn: Any, *,
                 fitness_fn: Any = None, env_kwargs: dict[str, Any] | None = None,
                 n_episodes: int = 4, seed: int = 0,
                 normalize_obs: Callable[[np.ndarray], np.ndarray] | None = None,
                 ) -> list[Episode]:
    """Run one episode in each of ``n_episodes`` envs side by side and keep every step.

    Args:
        predict: maps a batch of observations to a batch of actions (a deterministic policy for
            evaluation, but any callable works).
        env_id: gymnasium id (needs an env description: the reward reads named state fields).
        reward_fn: the reward program whose total and components are recorded.
        fitness_fn: the task's per-step fitness ``(state, action, next_state) -> (B,)``, or
            ``None`` when there is no task fitness.
        env_kwargs: passed to ``gymnasium.make`` (e.g. ``max_episode_steps``).
        n_episodes: episodes, one per env; env ``i`` is seeded ``seed + i``.
        seed: seed of the first env.
        normalize_obs: applied to the observations before ``predict`` (a training
            ``VecNormalize``'s normaliser), if any.

    Returns:
        The episodes, in env order.

    Raises:
        ValueError: ``n_episodes`` is below 1.
    """
    if n_episodes < 1:
        raise ValueError(f"n_episodes must be at least 1, got {n_episodes}")
    recorder = _FitnessRecorder(fitness_fn) if fitness_fn is not None else None
    venv = VecRewardWrapper(make_vec_env(env_id, n_episodes, seed, env_kwargs), reward_fn,
                            fitness_fn=recorder)
    steps = [_Steps() for _ in range(n_episodes)]
    episodes: list[Episode | None] = [None] * n_episodes
    try:
        obs = venv.reset()
        while any(e is None for e in episodes):
            actions = predict(normalize_obs(obs) if normalize_obs is not None else obs)
            obs, rewards, dones, infos = venv.step(actions)
            for i, info in enumerate(infos):
                if episodes[i] is not None:
                    continue
                steps[i].add(float(rewards[i]), info,
                             None if recorder is None else float(recorder.last[i]))
                if dones[i]:
                    ended = "time_limit" if info.get("TimeLimit.truncated", False) \
                        else "terminated"
                    fitness = info.get("episode_fitness") if recorder is not None else None
                    episodes[i] = steps[i].finish(ended, fitness)
    finally:
        venv.close()
    return [e for e in episodes if e is not None]


class _Steps:
    """The per-step values of one episode while it runs."""

    def __init__(self) -> None:
        self.rewards: list[float] = []
        self.env_rewards: list[float] = []
        self.components: dict[str, list[float]] = {}
        self.fitness: list[float] = []

    def add(self, reward: float, info: dict[str, Any], fitness: float | None) -> None:
        self.rewards.append(reward)
        self.env_rewards.append(float(info["original_env_rew"]))
        for name, value in info["reward_components"].items():
            self.components.setdefault(name, []).append(float(value))
        if fitness is not None:
            self.fitness.append(fitness)

    def finish(self, ended: str, fitness: float | None) -> Episode:
        return Episode(
            length=len(self.rewards), ended=ended,
            fitness=None if fitness is None else float(fitness),
            rewards=np.asarray(self.rewards), env_rewards=np.asarray(self.env_rewards),
            components={k: np.asarray(v) for k, v in self.components.items()},
            step_fitness=np.asarray(self.fitness) if self.fitness else None)


class _FitnessRecorder:
    """The task's fitness function, keeping the last batch so the rollout can trace it.

    ``VecRewardWrapper`` only reports the episode's fitness at its end; the per-step values are
    what shows *when* an episode went wrong.
    """

    def __init__(self, fitness_fn: Any):
        self.fitness_fn = fitness_fn
        self.last = np.zeros(0)

    def __call__(self, state: Any, action: np.ndarray, next_state: Any) -> np.ndarray:
        self.last = np.asarray(self.fitness_fn(state, action, next_state), dtype=np.float64)
        return self.last
