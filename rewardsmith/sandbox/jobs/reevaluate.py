"""The evaluator's own sandbox job: re-evaluate a saved policy over several seeds, with traces.

Registered in ``rewardsmith.sandbox.jobs`` as ``"reevaluate"``. It runs inside the sandbox worker
because the policy was written there (an SB3 ``policy.zip`` holds pickled objects: loading one
in the main process would run whatever a hostile candidate planted) and because reporting the
components calls the candidate's reward.

Besides the final best's mean ± standard error over seeds, it produces the analyzer's inputs that
the periodic evaluation during training does not keep: for *every* episode, how it ended (fell or
time limit) and a downsampled per-step trace of the fitness, of the total reward and of each
component.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.sandbox.jobs.workdir import inside

TRACE_POINTS = 50


def run_reevaluate(reward_fn: Any, workdir: Path, emit: Any, *, policy: str,
                   seeds: list[int], task: str | None = None, env: str | None = None,
                   env_kwargs: dict[str, Any] | None = None, algo: str = "ppo",
                   n_episodes: int = 4) -> dict[str, Any]:
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

    Returns:
        ``fitness_mean`` / ``fitness_sem`` over the seeds' means, ``success_rate``, and per seed
        its fitness, ended-by counts and ``episodes`` (length, ended, fitness, returns, trace).
    """
    from stable_baselines3 import PPO, SAC
    from stable_baselines3.common.vec_env import VecNormalize

    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.make_env import make_vec_env

    task_obj = get_task(task) if task else None
    env_id = task_obj.env_id if task_obj else env
    if env_id is None:
        raise ValueError("reevaluate needs a task or an env id")
    kwargs = {**(task_obj.env_kwargs if task_obj else {}), **(env_kwargs or {})}
    folder = inside(workdir, policy)
    model = {"ppo": PPO, "sac": SAC}[algo].load(folder / "policy.zip", device="cpu")
    normalize = None
    if (folder / "vecnormalize.pkl").exists():
        stats = VecNormalize.load(str(folder / "vecnormalize.pkl"), make_vec_env(env_id, 1, 0,
                                                                                 kwargs))
        stats.training = False
        normalize = stats.normalize_obs

    def predict(obs: np.ndarray) -> np.ndarray:
        return model.predict(normalize(obs) if normalize else obs, deterministic=True)[0]

    per_seed = []
    for seed in seeds:
        result = rollout(predict, env_id, reward_fn, task_obj, kwargs, n_episodes, int(seed))
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


def rollout(predict: Any, env_id: str, reward_fn: Any, task: Any, env_kwargs: dict[str, Any],
            n_episodes: int, seed: int) -> dict[str, Any]:
    """One episode in each of ``n_episodes`` envs; keep every episode's ending and traces."""
    from rewardsmith.rl.make_env import make_vec_env
    from rewardsmith.rl.wrappers import VecRewardWrapper

    recorder = _FitnessRecorder(task.fitness) if task else None
    venv = VecRewardWrapper(make_vec_env(env_id, n_episodes, seed, env_kwargs), reward_fn,
                            fitness_fn=recorder)
    obs = venv.reset()
    done = np.zeros(n_episodes, dtype=bool)
    steps: list[list[dict[str, float]]] = [[] for _ in range(n_episodes)]
    episodes: list[dict[str, Any] | None] = [None] * n_episodes
    while not done.all():
        obs, rewards, dones, infos = venv.step(predict(obs))
        for i, info in enumerate(infos):
            if done[i]:
                continue
            step = {"reward": float(rewards[i]), **info["reward_components"]}
            if recorder is not None:
                step["fitness"] = float(recorder.last[i])
            step["env_reward"] = info["original_env_rew"]
            steps[i].append(step)
            if dones[i]:
                truncated = info.get("TimeLimit.truncated", False)
                episodes[i] = _summarise(steps[i], "time_limit" if truncated else "fell",
                                         info.get("episode_fitness"))
        done |= dones
    venv.close()
    fitness = [e["fitness"] for e in episodes if e["fitness"] is not None]
    success = None
    if task is not None and fitness:
        success = float(np.mean([f >= task.success_threshold for f in fitness]))
    ended = {"time_limit": 0, "fell": 0}
    for e in episodes:
        ended[e["ended"]] += 1
    return {"seed": seed, "fitness_mean": float(np.mean(fitness)) if fitness else None,
            "success_rate": success, "ended_by": ended, "episodes": episodes}


class _FitnessRecorder:
    """The task's fitness function, keeping the last batch so the rollout can trace it."""

    def __init__(self, fitness_fn: Any):
        self.fitness_fn = fitness_fn
        self.last = np.zeros(0)

    def __call__(self, state: Any, action: np.ndarray, next_state: Any) -> np.ndarray:
        self.last = np.asarray(self.fitness_fn(state, action, next_state), dtype=np.float64)
        return self.last


def _summarise(steps: list[dict[str, float]], ended: str,
               episode_fitness: float | None) -> dict[str, Any]:
    idx = np.unique(np.linspace(0, len(steps) - 1, min(TRACE_POINTS, len(steps))).astype(int))
    names = list(steps[0])
    returns = {name: float(sum(s[name] for s in steps)) for name in names}
    return {
        "length": len(steps), "ended": ended,
        "fitness": None if episode_fitness is None else float(episode_fitness),
        "reward_return": returns.pop("reward"), "env_return": returns.pop("env_reward"),
        "component_returns": {k: v for k, v in returns.items() if k != "fitness"},
        "trace_steps": [int(i) for i in idx],
        "trace": {name: [round(steps[i][name], 5) for i in idx] for name in names},
    }


def _sem(values: list[float]) -> float | None:
    """Standard error of the mean (None for fewer than two values)."""
    if len(values) < 2:
        return None
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))
