"""The evaluator's own sandbox job: re-evaluate a saved policy over several seeds, with traces.

Registered in ``rewardsmith.sandbox.jobs`` as ``"reevaluate"``. It runs inside the sandbox worker
because the policy was written there (an SB3 ``policy.zip`` holds pickled objects: loading one
in the main process would run whatever a hostile candidate planted; see
:mod:`rewardsmith.rl.policy`) and because reporting the components calls the candidate's reward.

Besides the final best's mean ± standard error over seeds, it produces the analyzer's inputs that
the periodic evaluation during training does not keep: for *every* episode, how it ended
(``"terminated"``, e.g. the robot fell, or ``"time_limit"``) and a downsampled per-step trace of
the fitness, of the total reward and of each component. The episodes come from the package's one
rollout loop, :func:`rewardsmith.rl.rollout.run_episodes`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.envs.registry import get_task
from rewardsmith.envs.tasks import task_from_job_spec
from rewardsmith.rl.policy import load_policy
from rewardsmith.rl.rollout import Episode, count_endings, run_episodes
from rewardsmith.sandbox.jobs.fitness_smoke import checked_fitness
from rewardsmith.sandbox.jobs.workdir import inside


def run_reevaluate(reward_fn: Any, workdir: Path, emit: Any, *, policy: str,
                   seeds: list[int], task: str | None = None, env: str | None = None,
                   env_kwargs: dict[str, Any] | None = None, algo: str = "ppo",
                   n_episodes: int = 4, written_task: dict[str, Any] | None = None,
                   fitness_fn: Any = None) -> dict[str, Any]:
    """Load ``policy/policy.zip`` (+ ``vecnormalize.pkl``) and evaluate it on each seed.

    Args:
        reward_fn: the candidate's ``compute_reward`` (its components are traced).
        workdir: the job folder.
        emit: progress events (one ``reeval`` event per seed).
        policy: folder of the saved policy, relative to the job folder (a training ``out``).
        seeds: evaluation env seeds; one batch of ``n_episodes`` episodes each.
        task: task id (gives env, fitness and success threshold).
        env: env id when there is no task (no fitness is then reported).
        env_kwargs: passed to ``gymnasium.make`` on top of the task's.
        algo: ``"ppo"`` or ``"sac"``: how to load the policy.
        n_episodes: episodes per seed.
        written_task: a written task's spec (see ``sandbox.jobs.train``), with its ``fitness_fn``.
        fitness_fn: the written ``compute_fitness``, loaded by the worker.

    Returns:
        ``fitness_mean`` / ``fitness_sem`` over the seeds' means, ``success_rate``, and per seed
        its fitness, ended-by counts and ``episodes`` (length, ended, fitness, returns, trace).
    """
    task_obj = get_task(task) if task else None
    if written_task is not None:
        task_obj = task_from_job_spec(written_task, checked_fitness(fitness_fn))
    env_id = task_obj.env_id if task_obj else env
    if env_id is None:
        raise ValueError("reevaluate needs a task or an env id")
    kwargs = {**(task_obj.env_kwargs if task_obj else {}), **(env_kwargs or {})}
    loaded = load_policy(inside(workdir, policy), env_id, kwargs, algo)
    per_seed = []
    for seed in seeds:
        result = evaluate_seed(loaded.predict, env_id, reward_fn, task_obj, kwargs, n_episodes,
                               int(seed))
        per_seed.append(result)
        emit({"event": "reeval", "seed": int(seed), "fitness": result["fitness_mean"]})
    means = [s["fitness_mean"] for s in per_seed if s["fitness_mean"] is not None]
    rates = [s["success_rate"] for s in per_seed if s["success_rate"] is not None]
    return {
        "policy": policy, "seeds": [int(s) for s in seeds], "n_episodes": n_episodes,
        "fitness_mean": float(np.mean(means)) if means else None,
        "fitness_sem": _sem(means),
        "success_rate": float(np.mean(rates)) if rates else None,
        "per_seed": per_seed,
    }


def evaluate_seed(predict: Any, env_id: str, reward_fn: Any, task: Any,
                  env_kwargs: dict[str, Any], n_episodes: int, seed: int) -> dict[str, Any]:
    """One episode in each of ``n_episodes`` envs; keep every episode's ending and traces."""
    episodes = run_episodes(predict, env_id, reward_fn,
                            fitness_fn=task.fitness if task is not None else None,
                            env_kwargs=env_kwargs, n_episodes=n_episodes, seed=seed)
    fitness = [e.fitness for e in episodes if e.fitness is not None]
    success = None
    if task is not None and fitness:
        success = float(np.mean([f >= task.success_threshold for f in fitness]))
    return {"seed": seed, "fitness_mean": float(np.mean(fitness)) if fitness else None,
            "success_rate": success, "ended_by": count_endings(episodes),
            "episodes": [_summarise(e) for e in episodes]}


def _summarise(episode: Episode) -> dict[str, Any]:
    """An episode as JSON data: its returns, how it ended and a downsampled trace."""
    trace_steps, trace = episode.trace()
    return {
        "length": episode.length, "ended": episode.ended, "fitness": episode.fitness,
        "reward_return": episode.reward_return, "env_return": episode.env_return,
        "component_returns": episode.component_returns,
        "trace_steps": trace_steps, "trace": trace,
    }


def _sem(values: list[float]) -> float | None:
    """Standard error of the mean (None for fewer than two values)."""
    if len(values) < 2:
        return None
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))
