"""The ``"fitness_smoke"`` job: try a written fitness program before any reward is designed.

A success measure that random flailing already meets, or that never changes, would rank every
candidate the same or reward nothing that was asked. So before the loop trusts a written
``fitness.py`` this job (inside the sandbox: the fitness is untrusted code like a reward) rolls
out two policies that know nothing of the request: uniform random actions, and zero actions (the
body left to gravity). It reports the per-step scores and each episode's fitness (sum of the
per-step scores over the horizon, the rule of every task), and fails when the output breaks the
contract, when the score never varies, or when either policy reaches the success threshold.

"Never varies" also looks at one step from each of :data:`PUSHED_STATES` starts with pushed
velocities (:func:`~rewardsmith.rl.transitions.pushed_transitions`): a walker that falls at once
or stands never walks at 1 m/s, so a correct measure of that pace is 0 on every step of both
policies' episodes, and only a body that moves shows it is not constant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.contract.fitness import validate_fitness_output
from rewardsmith.rl.rollout import run_episodes
from rewardsmith.rl.transitions import pushed_transitions
from rewardsmith.sandbox.jobs.workdir import Emit

BASELINES = ("random", "still")
PUSHED_STATES = 64


def checked_fitness(fitness_fn: Any) -> Any:
    """``fitness_fn`` with its output checked against the contract on every call."""

    def fitness(state: Any, action: np.ndarray, next_state: Any) -> np.ndarray:
        return validate_fitness_output(fitness_fn(state, action, next_state), len(action))

    return fitness


def _no_reward(state: Any, action: np.ndarray, next_state: Any):
    return np.zeros(len(action)), {}


def run_fitness_smoke(reward_fn: Any, workdir: Path, emit: Emit, *, fitness_fn: Any,
                      env: str, threshold: float, env_kwargs: dict[str, Any] | None = None,
                      n_episodes: int = 3, seed: int = 0) -> dict[str, Any]:
    """Score random-action and zero-action episodes with the written fitness.

    Args:
        reward_fn: unused (no reward exists yet; the worker loads none for this job).
        workdir: the job folder (nothing is written).
        emit: progress events.
        fitness_fn: the written ``compute_fitness``, loaded by the worker.
        env: env id.
        threshold: the success threshold the run will use.
        env_kwargs: passed to ``gymnasium.make`` (the run's own: termination off for low poses).
        n_episodes: episodes per baseline policy.
        seed: seed of the first env.

    Returns:
        ``ok``, ``message``, ``per_step`` (min/mean/max of the per-step score), per baseline the
        episode fitnesses and how many reached the threshold, and ``pushed`` (how many pushed
        starts were scored, min and max of their score; 0 states for an env with nothing to push).
    """
    import gymnasium as gym

    probe = gym.make(env, **(env_kwargs or {}))
    low, high = probe.action_space.low, probe.action_space.high
    probe.close()
    rng = np.random.default_rng(seed)
    policies = {
        "random": lambda obs: rng.uniform(low, high, size=(len(obs), len(low))),
        "still": lambda obs: np.zeros((len(obs), len(low))),
    }
    baselines, per_step = {}, []
    for name in BASELINES:
        episodes = run_episodes(policies[name], env, _no_reward,
                                fitness_fn=checked_fitness(fitness_fn), env_kwargs=env_kwargs,
                                n_episodes=n_episodes, seed=seed)
        fitness = [float(e.fitness) for e in episodes]
        per_step.extend(np.concatenate([e.step_fitness for e in episodes]).tolist())
        baselines[name] = {"fitness": fitness,
                           "reached": int(sum(f >= threshold for f in fitness)),
                           "lengths": [int(e.length) for e in episodes]}
        emit({"event": "fitness_baseline", "policy": name, "fitness": max(fitness)})
    scores = np.asarray(per_step)
    pushed = _pushed_scores(fitness_fn, env, env_kwargs, seed)
    problems = []
    if np.ptp(np.concatenate([scores, pushed])) == 0.0:
        problems.append(f"compute_fitness returned the same value ({scores[0]:.4g}) on every "
                        f"step of random and motionless episodes and on {len(pushed)} starts "
                        f"with pushed velocities: it does not measure anything")
    for name in BASELINES:
        if baselines[name]["reached"]:
            best = max(baselines[name]["fitness"])
            what = "random actions" if name == "random" else "zero actions (doing nothing)"
            problems.append(f"{what} already reach the success threshold {threshold:g} "
                            f"(episode fitness {best:.3f}): raise the threshold or make the "
                            f"measure stricter")
    return {
        "ok": not problems,
        "message": "; ".join(problems) or "the fitness varies and neither random nor zero "
                                           "actions reach the threshold",
        "threshold": float(threshold),
        "per_step": {"min": float(scores.min()), "mean": float(scores.mean()),
                     "max": float(scores.max())},
        "baselines": baselines,
        "pushed": {"states": len(pushed),
                   "min": float(pushed.min()) if len(pushed) else 0.0,
                   "max": float(pushed.max()) if len(pushed) else 0.0},
    }


def _pushed_scores(fitness_fn: Any, env: str, env_kwargs: dict[str, Any] | None,
                   seed: int) -> np.ndarray:
    """The fitness of one step from each pushed start (empty when the env has no state to push)."""
    pushed = pushed_transitions(env, PUSHED_STATES, seed=seed, env_kwargs=env_kwargs)
    if pushed is None:
        return np.zeros(0)
    state, action, next_state = pushed.as_batch()
    return np.asarray(checked_fitness(fitness_fn)(state, action, next_state), dtype=float)
