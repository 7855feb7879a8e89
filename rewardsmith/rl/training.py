"""Train one policy on one reward: SB3 PPO (default) or SAC, with periodic evaluation.

This is trusted code. For a candidate written by an LLM it runs inside the sandbox worker (see
``rewardsmith.sandbox.runner``), which hands it the reward function it loaded there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.envs.registry import get_task
from rewardsmith.errors import RewardsmithError
from rewardsmith.rl.best_policy import BestPolicy
from rewardsmith.rl.callbacks import EvaluateEvery, ProgressFn
from rewardsmith.rl.evaluation import evaluate_policy
from rewardsmith.rl.hyperparams import NORMALIZE, hyperparams, n_envs_for
from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.rl.overrides import merged_overrides
from rewardsmith.rl.policy import NORMALIZER_FILE, POLICY_FILE, algo_class, load_for_training
from rewardsmith.rl.reward_program import RewardProgram, load_reward
from rewardsmith.rl.safe_policy import save_safe_policy
from rewardsmith.rl.wrappers import VecRewardWrapper
from rewardsmith.run_dir import METRICS_JSON, VIDEO_MP4
from rewardsmith.safe_files import write_text

N_EVALS = 10
# The evaluation envs' seeds, offset from the training seed: the periodic evaluations, and the
# new episodes that re-evaluate a best policy picked by them
EVAL_SEED_OFFSET = 10_000
REEVAL_SEED_OFFSET = 20_000


@dataclass
class TrainResult:
    """Where the artifacts are and what the returned policy's evaluation found."""

    out: Path
    metrics: dict[str, Any]

    @property
    def fitness(self) -> float | None:
        """The returned policy's mean episode fitness (``metrics["final"]``)."""
        return self.metrics["final"]["fitness_mean"]

    @property
    def success(self) -> bool:
        """Whether the returned policy reached the task's success threshold on average."""
        return bool(self.metrics.get("success"))


def reward_env_stack(env_id: str, n_envs: int, seed: int, env_kwargs: dict[str, Any],
                     reward_fn: Any, fitness_fn: Any = None) -> tuple[VecRewardWrapper, Any]:
    """The vector env a training steps, before normalisation: ``n_envs`` envs whose reward is
    ``reward_fn`` (fitness measured beside it), under ``VecMonitor``. Returns the reward
    wrapper (its component log) and the monitor (what ``VecNormalize`` wraps)."""
    from stable_baselines3.common.vec_env import VecMonitor

    base = VecRewardWrapper(make_vec_env(env_id, n_envs, seed, env_kwargs), reward_fn,
                            fitness_fn=fitness_fn)
    return base, VecMonitor(base)  # outside the reward: SB3's ep_rew_mean is the designed return


def _resolve_reward(reward: Any, task: Any) -> Any:
    if reward is None:
        if task is None:
            raise RewardsmithError("give a reward (file or function), or a --task with a "
                                   "reference reward")
        return load_reward(task.reference_reward_path)
    if isinstance(reward, str | Path):
        return load_reward(reward)
    return reward


def train(*, task: str | Any | None = None, env: str | None = None, reward: Any = None,
          algo: str = "ppo", steps: int | None = None, n_envs: int | None = None, seed: int = 0,
          out: str | Path | None = None, progress: ProgressFn | None = None,
          n_eval_episodes: int = 4, eval_every: int | None = None, video: bool = True,
          env_kwargs: dict[str, Any] | None = None, init_from: str | Path | None = None,
          should_stop: Callable[[dict], bool] | None = None,
          algo_kwargs: dict[str, Any] | None = None,
          stop_at_fitness: float | None = None, keep_best: bool = True) -> TrainResult:
    """Train a policy on a reward and write ``metrics.json``, the policy and a video to ``out``.

    The policy written is the best-evaluated one (:mod:`rewardsmith.rl.best_policy`): where an
    earlier evaluation scored higher than the last, its weights and normaliser are put back and
    re-evaluated on new episodes; ``metrics["final"]`` is then that re-evaluation, and
    ``metrics["last"]`` the last policy's evaluation.

    Args:
        task: a task id (or :class:`~rewardsmith.envs.tasks.Task`): gives the env, the fitness and
            success threshold, the default budget and the reference reward.
        env: an env id, when training without a task (no fitness is then reported).
        reward: a reward file, reward source, or callable; the task's reference reward if None.
        algo: ``"ppo"`` or ``"sac"``.
        steps: env-step budget (the task's default, or 200k).
        n_envs: parallel envs in the ``DummyVecEnv`` (the env's tuned count when None:
            :func:`rewardsmith.rl.hyperparams.n_envs_for`).
        seed: training seed.
        out: output directory (``runs/train-<time>`` when omitted).
        progress: receives progress and evaluation events (dicts).
        n_eval_episodes: episodes per evaluation.
        eval_every: env steps between evaluations (about ten over the budget by default).
        video: write ``video.mp4`` of the returned policy.
        env_kwargs: passed to ``gymnasium.make`` (on top of the task's).
        init_from: a previous output dir: continue from its policy and normaliser (loaded with
            :func:`rewardsmith.rl.policy.load_for_training`: pickles, so for a candidate's
            reward this runs inside the sandbox worker, where they were written).
        should_stop: called with every evaluation record; True ends training early.
        algo_kwargs: overrides of the tuned hyperparameters, on top of the task's own
            (:attr:`~rewardsmith.envs.tasks.Task.algo_kwargs`); ``policy_kwargs`` merge key by
            key. Both are recorded in ``metrics.json``.
        stop_at_fitness: end at the first evaluation whose fitness reaches this (a design run
            that stops on success passes its threshold: training on gains it nothing).
        keep_best: return the best-evaluated policy (True) or the last one (False; a task
            without a fitness always gets the last).
    """
    import torch
    from stable_baselines3.common.vec_env import VecNormalize

    torch.set_num_threads(1)
    task_obj = get_task(task) if isinstance(task, str) else task
    env_id = task_obj.env_id if task_obj is not None else env
    if env_id is None:
        raise RewardsmithError("give --task or --env")
    kwargs = {**(task_obj.env_kwargs if task_obj else {}), **(env_kwargs or {})}
    overrides = merged_overrides(task_obj.algo_kwargs if task_obj else None, algo_kwargs)
    n_envs = int(n_envs or n_envs_for(algo, env_id))
    reward_fn = _resolve_reward(reward, task_obj)
    steps = int(steps or (task_obj.default_steps if task_obj else 200_000))
    out = Path(out or Path("runs") / time.strftime("train-%Y%m%d-%H%M%S"))
    out.mkdir(parents=True, exist_ok=True)
    fitness_fn = task_obj.fitness if task_obj else None
    threshold = task_obj.success_threshold if task_obj else None

    base, monitored = reward_env_stack(env_id, n_envs, seed, kwargs, reward_fn, fitness_fn)
    if init_from is not None:  # runs in the sandbox worker too: the files are pickles
        model, venv = load_for_training(init_from, monitored, algo)
        start_steps = int(model.num_timesteps)
    else:
        params = hyperparams(algo, env_id, overrides)
        venv = VecNormalize(monitored, gamma=params.get("gamma", 0.99), **NORMALIZE)
        model = algo_class(algo)("MlpPolicy", venv, seed=seed, verbose=0, device="cpu",
                                 tensorboard_log=str(out / "tensorboard"), **params)
        start_steps = 0
    venv.training = True

    def predict(obs: np.ndarray) -> np.ndarray:
        return model.predict(obs, deterministic=True)[0]

    best = BestPolicy()

    def run_eval(offset: int = EVAL_SEED_OFFSET):
        result = evaluate_policy(predict, env_id, reward_fn, fitness_fn=fitness_fn,
                                 success_threshold=threshold, env_kwargs=kwargs,
                                 n_episodes=n_eval_episodes, seed=seed + offset,
                                 normalize_obs=venv.normalize_obs)
        if offset == EVAL_SEED_OFFSET:
            best.offer(result.fitness_mean, model.num_timesteps, model, venv)
        return result

    remaining = max(steps - start_steps, 0)
    eval_every = int(eval_every or max(remaining // N_EVALS, 1000))
    def stop(record: dict[str, Any]) -> bool:
        fitness = record.get("fitness_mean")
        if stop_at_fitness is not None and fitness is not None and fitness >= stop_at_fitness:
            return True
        return should_stop is not None and should_stop(record)

    callback = EvaluateEvery(eval_every, run_eval, base.component_log.pop, progress, stop,
                             start_steps, steps)
    t0 = time.perf_counter()
    if progress:
        progress({"event": "start", "steps": start_steps, "total": steps, "env": env_id,
                  "algo": algo, "out": str(out)})
    if remaining:
        model.learn(remaining, callback=callback, reset_num_timesteps=init_from is None,
                    tb_log_name=algo)
    train_s = time.perf_counter() - t0
    trained = int(model.num_timesteps) - start_steps  # less than remaining when stopped early
    history = callback.history
    if not history or history[-1]["steps"] != model.num_timesteps:
        callback.num_timesteps = model.num_timesteps
        callback.evaluate_now(log=False)
    last = final = history[-1]
    swapped = keep_best and best.beats(last["fitness_mean"])
    if swapped:
        best.restore(model, venv)
        final = {"steps": best.steps, **run_eval(REEVAL_SEED_OFFSET).to_dict(),
                 "wall_s": round(time.perf_counter() - t0, 2), "training_components": {}}
    model.save(out / POLICY_FILE)
    venv.save(str(out / NORMALIZER_FILE))
    save_safe_policy(model, venv, out)  # what the parent loads: tensors and JSON, no pickle
    if video:
        from rewardsmith.rl.video import record_video

        venv.training = False
        record_video(predict, env_id, out / VIDEO_MP4, env_kwargs=kwargs,
                     normalize_obs=venv.normalize_obs)
    metrics = {
        "task": task_obj.id if task_obj else None, "env": env_id, "env_kwargs": kwargs,
        "algo": algo, "algo_kwargs": overrides, "seed": seed, "n_envs": n_envs,
        "steps": int(model.num_timesteps),
        "budget": steps,
        "train_wall_s": round(train_s, 2), "wall_s": round(time.perf_counter() - t0, 2),
        "steps_per_s": round(trained / train_s, 1) if trained and train_s else None,
        "success_threshold": threshold,
        "success": bool(threshold is not None and final["fitness_mean"] is not None
                        and final["fitness_mean"] >= threshold),
        "first_success_steps": next((r["steps"] for r in history if threshold is not None
                                     and r["fitness_mean"] is not None
                                     and r["fitness_mean"] >= threshold), None),
        "best_fitness": max((r["fitness_mean"] for r in history
                             if r["fitness_mean"] is not None), default=None),
        "reward_origin": getattr(reward_fn, "origin", repr(reward_fn)),
        "returned": {"from": "best" if swapped else "last", "steps": int(final["steps"]),
                     "picked_by_fitness": best.fitness if swapped else last["fitness_mean"]},
        "final": final, "last": last, "evals": history,
    }
    write_text(out / METRICS_JSON, json.dumps(metrics, indent=2, default=_json_default))
    venv.close()
    if progress:
        progress({"event": "done", "steps": metrics["steps"], "total": steps,
                  "fitness": final["fitness_mean"], "success": metrics["success"]})
    return TrainResult(out, metrics)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, RewardProgram):
        return value.origin
    return str(value)
