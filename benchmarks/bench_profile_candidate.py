"""Where a candidate job's wall time goes: raw MuJoCo vs `train()`, profiled, per settings arm.

    python benchmarks/bench_profile_candidate.py                   # cheetah-run, humanoid-stand
    python benchmarks/bench_profile_candidate.py --tasks hopper-hop --arms before after

``--arms`` names settings of ``bench_time_to_success.ARMS``: ``before`` (the settings issue #16
started from), ``after`` (the package's defaults now). Per task and arm, in one process:

1. raw simulation: ``gymnasium.make(env_id, **task.env_kwargs)`` stepped with random actions
   (reset at episode end), env steps/s; measured before and after the two trainings, averaged.
2. a timing run: ``rewardsmith.rl.training.train(task=..., steps=N, video=True,
   eval_every=N // 2)`` exactly as the sandbox's train job calls it (the arm's settings over
   ``rewardsmith.rl.hyperparams``, ``torch.set_num_threads(1)``), no profiler. A sampling thread
   (every 2 ms it looks at the main thread's stack) measures the time spent inside
   ``evaluate_policy`` and ``record_video``; training env-steps/s is N over the train() wall
   time, with and without those two. That rate over the raw rate is the issue's fraction.
3. a profiled run: the same call under ``cProfile``; the breakdown comes from pstats.

Buckets (pstats *cumulative* times, each function identified by its code object; a bucket never
counts time of another bucket nested in it):

* evaluation: ``rewardsmith.rl.evaluation.evaluate_policy``, as a whole (its own env stepping,
  reward, fitness and policy inference included);
* video: ``rewardsmith.rl.video.record_video`` (rendering, its rollout, mp4 encoding);
* PPO update: ``stable_baselines3.ppo.PPO.train``;
* policy inference (rollouts): the edges from ``OnPolicyAlgorithm.collect_rollouts`` to
  ``torch.nn.Module._wrapped_call_impl`` (``self.policy(obs)``), ``predict_values`` and
  ``obs_to_tensor`` (timeout bootstrap) and ``obs_as_tensor``;
* reward call: ``RewardProgram.__call__`` (the reference reward, including the lazy state
  fields it reads, ``State.__getitem__``) plus ``validate_reward_output``;
* fitness: the task's fitness function (``task.fitness``, with the fields it reads);
* state extraction: ``EnvDescription.snapshot`` (copying MjData, in ``CaptureState.step``/reset)
  + ``EnvDescription.state_from_snapshots`` (sealed copies) + ``seal`` called from
  ``VecRewardWrapper.step_wait`` (the action copies);
* env stepping (rollouts): the edge ``collect_rollouts -> VecEnv.step`` (the whole training
  VecEnv stack: VecNormalize, VecMonitor, VecRewardWrapper, DummyVecEnv, gymnasium wrappers,
  ``MujocoEnv.step`` with ``mj_step``) minus the training share of reward, fitness and state
  extraction nested in it; "of which mj_step" is the training share of
  ``MujocoEnv._step_mujoco_simulation``;
* other: the train() wall time minus all of the above (rollout buffer, GAE, callbacks, env and
  model construction, saving the policy, logging).

Reward, fitness, state extraction and ``_step_mujoco_simulation`` run in training *and* inside
evaluation (a batch of 4 envs there), so their training share is their cumulative time per
call times the number of training calls (N / n_envs vector steps; N env steps for snapshot and
mj_step). Where training steps more than 4 envs, the per-call mean mixes two batch sizes, so
those four buckets are approximate for that arm (the rates and fractions are not).
cProfile slows Python-heavy code (SB3, torch's Python layer) more than C code (MuJoCo):
the percentages are of the profiled wall time and lean towards the Python side; the rates and
fractions come from the unprofiled timing run. The machine has 2 cores shared with other jobs:
compare numbers within one run only.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_STEPS = {"cheetah-run": 20_480, "humanoid-stand": 16_384, "hopper-hop": 20_480}
BUCKETS = ["env stepping (rollouts)", "state extraction", "reward call", "fitness",
           "policy inference (rollouts)", "PPO update", "evaluation", "video", "other"]


def raw_rate(env_id: str, env_kwargs: dict, seconds: float = 3.0) -> float:
    """Env steps/s of plain ``gymnasium.make`` with random actions."""
    import gymnasium as gym

    env = gym.make(env_id, **env_kwargs)
    env.reset(seed=0)
    env.action_space.seed(0)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(200):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
        n += 200
    rate = n / (time.perf_counter() - t0)
    env.close()
    return rate


class StackSampler:
    """Every ``interval`` s, note whether the main thread is inside one of ``codes``.

    Adds almost nothing to the measured run (one stack walk every 2 ms), unlike a profiler.
    """

    def __init__(self, codes: dict[str, Any], interval: float = 0.002):
        self.codes = {code: name for name, code in codes.items()}
        self.interval = interval
        self.time = dict.fromkeys(codes, 0.0)
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(self.interval):
            now = time.perf_counter()
            frame = sys._current_frames().get(self._main)
            while frame is not None:
                name = self.codes.get(frame.f_code)
                if name is not None:
                    self.time[name] += now - last
                    break
                frame = frame.f_back
            last = now

    def __enter__(self) -> StackSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def _key(func: Any) -> tuple[str, int, str]:
    code = func.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def breakdown(stats: pstats.Stats, task: Any, n_steps: int, n_envs: int) -> dict[str, float]:
    """Seconds per bucket (see the module docstring), from a profile of one train() call."""
    import torch.nn as nn
    from gymnasium.envs.mujoco.mujoco_env import MujocoEnv
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
    from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy
    from stable_baselines3.common.utils import obs_as_tensor
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv
    from stable_baselines3.ppo import PPO

    from rewardsmith.contract import reward as contract_reward
    from rewardsmith.contract import state as contract_state
    from rewardsmith.envs.descriptions import EnvDescription
    from rewardsmith.rl import evaluation, video
    from rewardsmith.rl.reward_program import RewardProgram
    from rewardsmith.rl.vec_wrapper import VecRewardWrapper

    table = stats.stats  # key -> (cc, nc, tt, ct, callers{caller key: (cc, nc, tt, ct)})

    def cum(func: Any) -> float:
        entry = table.get(_key(func))
        return entry[3] if entry else 0.0

    def per_call(func: Any) -> float:
        entry = table.get(_key(func))
        return entry[3] / entry[1] if entry and entry[1] else 0.0

    def edge(caller: Any, callee: Any) -> float:
        entry = table.get(_key(callee))
        return entry[4].get(_key(caller), (0, 0, 0, 0.0))[3] if entry else 0.0

    vec_steps = n_steps / n_envs
    rollouts = OnPolicyAlgorithm.collect_rollouts
    inference = (edge(rollouts, nn.Module._wrapped_call_impl)
                 + edge(rollouts, ActorCriticPolicy.predict_values)
                 + edge(rollouts, BasePolicy.obs_to_tensor) + edge(rollouts, obs_as_tensor))
    reward = vec_steps * (per_call(RewardProgram.__call__)
                          + per_call(contract_reward.validate_reward_output))
    fitness = vec_steps * per_call(task.fitness)
    seal_in_wrapper = edge(VecRewardWrapper.step_wait, contract_state.seal)
    seal_calls = table.get(_key(contract_state.seal), [0] * 5)[4].get(
        _key(VecRewardWrapper.step_wait), (0, 1))[1]
    extraction = (n_steps * per_call(EnvDescription.snapshot)
                  + 4 * vec_steps * per_call(EnvDescription.state_from_snapshots)
                  + 2 * vec_steps * (seal_in_wrapper / max(seal_calls, 1)))
    stepping = edge(rollouts, VecEnv.step) - reward - fitness - extraction
    out = {
        "env stepping (rollouts)": stepping,
        "state extraction": extraction,
        "reward call": reward,
        "fitness": fitness,
        "policy inference (rollouts)": inference,
        "PPO update": cum(PPO.train),
        "evaluation": cum(evaluation.evaluate_policy),
        "video": cum(video.record_video),
    }
    out["of which mj_step (rollouts)"] = n_steps * per_call(MujocoEnv._step_mujoco_simulation)
    out["lazy state fields (in reward+fitness, all)"] = cum(contract_state.State.__getitem__)
    return out


def warm_up(out_dir: Path) -> None:
    """One short train() with a video first: imports, torch and the EGL context are not timed."""
    from rewardsmith.rl.training import train

    train(task="cheetah-run", steps=2048, n_envs=4, video=True, eval_every=10**9,
          out=out_dir / "warm-up")


def run_task(task_id: str, steps: int, out_dir: Path, arm: str) -> dict[str, Any]:
    """Raw rate, a timing run and a profiled run of one task under one arm's settings."""
    from bench_time_to_success import settings

    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl import evaluation, video
    from rewardsmith.rl.hyperparams import hyperparams, n_envs_for
    from rewardsmith.rl.training import train

    task = get_task(task_id)
    overrides = settings(arm, task.env_id)
    n_envs = overrides.pop("n_envs", None) or n_envs_for("ppo", task.env_id)
    kwargs = dict(task=task_id, steps=steps, n_envs=n_envs, video=True, eval_every=steps // 2,
                  algo_kwargs=overrides or None)
    print(f"[{task_id} {arm}] {task.env_id}: {n_envs} envs, PPO "
          f"{ {**hyperparams('ppo', task.env_id), **overrides} }", flush=True)
    raw_before = raw_rate(task.env_id, dict(task.env_kwargs))

    with StackSampler({"evaluation": evaluation.evaluate_policy.__code__,
                       "video": video.record_video.__code__}) as sampler:
        t0 = time.perf_counter()
        timed = train(out=out_dir / f"{task_id}-timed", **kwargs)
        wall = time.perf_counter() - t0
    trained = timed.metrics["steps"]

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    train(out=out_dir / f"{task_id}-profiled", **kwargs)
    profiler.disable()
    prof_wall = time.perf_counter() - t0
    raw_after = raw_rate(task.env_id, dict(task.env_kwargs))

    parts = breakdown(pstats.Stats(profiler), task, trained, n_envs)
    counted = sum(parts[b] for b in BUCKETS if b != "other")
    parts["other"] = prof_wall - counted
    raw = (raw_before + raw_after) / 2
    excl = wall - sampler.time["evaluation"] - sampler.time["video"]
    return {
        "task": task_id, "arm": arm, "n_envs": n_envs, "env": task.env_id, "steps": trained,
        "raw_steps_per_s": raw,
        "raw_before": raw_before, "raw_after": raw_after,
        "wall_s": wall, "eval_s": sampler.time["evaluation"], "video_s": sampler.time["video"],
        "evals": len(timed.metrics["evals"]),
        "train_steps_per_s_incl": trained / wall, "train_steps_per_s_excl": trained / excl,
        "fraction_incl": trained / wall / raw, "fraction_excl": trained / excl / raw,
        "profiled_wall_s": prof_wall, "seconds": parts,
        "percent": {k: 100 * v / prof_wall for k, v in parts.items()},
    }


def main() -> None:
    from common import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["cheetah-run", "humanoid-stand"])
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps per task (default: per task, a few minutes)")
    parser.add_argument("--arms", nargs="+", default=["after"],
                        help="settings arms of bench_time_to_success.ARMS (before, after, ...)")
    parser.add_argument("--name", default="profile_candidate")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        warm_up(Path(tmp))
        for task_id in args.tasks:
            steps = args.steps or DEFAULT_STEPS.get(task_id, 20_480)
            for arm in args.arms:  # the arms of a task back to back: the same machine load
                results.append(run_task(task_id, steps, Path(tmp), arm))
    details = ["of which mj_step (rollouts)", "lazy state fields (in reward+fitness, all)"]
    columns = ["bucket (% of profiled wall)"] + [f"{r['task']} {r['arm']} ({r['n_envs']} envs)"
                                                 for r in results]
    rows = [[b] + [round(r["percent"][b], 1) for r in results] for b in BUCKETS + details]
    rows += [
        ["training steps (evals)"] + [f"{r['steps']} ({r['evals']})" for r in results],
        ["profiled wall s"] + [round(r["profiled_wall_s"], 1) for r in results],
        ["unprofiled wall s (eval s, video s)"]
        + [f"{r['wall_s']:.1f} ({r['eval_s']:.1f}, {r['video_s']:.1f})" for r in results],
        ["raw sim steps/s (before/after)"]
        + [f"{r['raw_steps_per_s']:.0f} ({r['raw_before']:.0f}/{r['raw_after']:.0f})"
           for r in results],
        ["train steps/s excl. eval+video"] + [round(r["train_steps_per_s_excl"]) for r in results],
        ["train steps/s incl. eval+video"] + [round(r["train_steps_per_s_incl"]) for r in results],
        ["fraction of raw, excl."] + [round(r["fraction_excl"], 3) for r in results],
        ["fraction of raw, incl."] + [round(r["fraction_incl"], 3) for r in results],
    ]
    summary = {f"{r['task']} {r['arm']}": r for r in results}
    report(args.name, "Candidate job profile: where train() spends its wall time, per arm",
           columns, rows, summary)


if __name__ == "__main__":
    main()
