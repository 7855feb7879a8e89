"""Wall time for a task's reference reward to reach its success threshold: today's PPO settings
against candidate settings, several seeds, run side by side in one go.

    python benchmarks/bench_time_to_success.py                        # cheetah-run, 3 seeds
    python benchmarks/bench_time_to_success.py --task hopper-hop --seeds 0 1 2

Each (seed) pair trains today's settings and the candidate settings at the same time, one per
core, so both arms see the same machine load; training stops at the first evaluation that
reaches the threshold (``should_stop``), or at the task's default budget. Reported: env steps and
wall seconds to that evaluation (evaluation time included, video off), per arm and seed, and the
ratio of the medians. Runs in this process's children, outside the sandbox (whose overhead was
measured at 0.975x, README). One arm alone (``--arms std1_lr4x``) trains its seeds two at a
time; ``--train-on`` trains to the budget after a success (the reference runs' rule) and reports
the first success and the final evaluation, with every evaluation of each run; ``--steps`` sets
another budget (to measure what budget a task needs). An arm's settings go on top of the task's
own (cheetah-flip's wide action noise).

Writes benchmarks/results/time_to_success_<task>.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Named settings, as overrides of the package's defaults (rewardsmith/rl/hyperparams.py).
# "before" puts back the defaults this issue started from: rl-zoo3's tuned values with 4 envs
# (HalfCheetah, Hopper, Walker2d) and SB3's defaults for Humanoid; "after" is the package as it
# is now. The others are the alternatives measured while choosing "after".
_ZOO_NET = {"log_std_init": -2, "ortho_init": False, "activation_fn": "relu",
            "net_arch": {"pi": [256, 256], "vf": [256, 256]}}
BEFORE = {
    "HalfCheetah-v5": {"n_envs": 4, "n_steps": 512, "batch_size": 64, "n_epochs": 20,
                       "learning_rate": 2.0633e-05},
    "Hopper-v5": {"n_envs": 4, "n_steps": 512, "batch_size": 32, "n_epochs": 5,
                  "learning_rate": 9.80828e-05},
    "Walker2d-v5": {"n_envs": 4, "n_steps": 512, "batch_size": 32, "n_epochs": 20,
                    "learning_rate": 5.05041e-05},
    "Humanoid-v5": {"n_envs": 4, "n_steps": 2048, "batch_size": 64, "n_epochs": 10,
                    "learning_rate": 3e-4, "gamma": 0.99, "gae_lambda": 0.95,
                    "clip_range": 0.2, "ent_coef": 0.0, "vf_coef": 0.5, "max_grad_norm": 0.5,
                    "policy_kwargs": {}},
}
# HalfCheetah's learning rate as chosen earlier in #16, until 2026-12-05 (now 3.3e-4): the arms
# measured then name it, so that they rerun as they ran
_CHEETAH_LR_THEN = {"learning_rate": 8.25e-05}
_ANT_N16 = {"n_envs": 16, "n_steps": 128, "batch_size": 256, "n_epochs": 10}
_ANT_CONTACTS = {"include_cfrc_ext_in_observation": True}
_ANT_NO_CONTACTS = {"include_cfrc_ext_in_observation": False}
ARMS = {
    "before": BEFORE,
    "after": {},
    # "after" until HalfCheetah's learning rate went up 4x (the arms after_lr*x below)
    "after_lr8e5": {"HalfCheetah-v5": _CHEETAH_LR_THEN},
    "b256e10": {"HalfCheetah-v5": {"n_envs": 4, "n_steps": 512, "batch_size": 256,
                                   "n_epochs": 10, "learning_rate": 8.25e-05}},
    "b256e10_n16": {"HalfCheetah-v5": {"n_envs": 16, "n_steps": 128, "batch_size": 256,
                                       "n_epochs": 10, "learning_rate": 8.25e-05}},
    "b512e5_n16": {"HalfCheetah-v5": {"n_envs": 16, "n_steps": 128, "batch_size": 512,
                                      "n_epochs": 5, "learning_rate": 8.25e-05}},
    # adopted as the package's Hopper settings once hopper-hop's reference hopped (#12), so
    # now the same as "after"
    "hopper_n16": {"Hopper-v5": {"n_envs": 16, "n_steps": 128, "batch_size": 128,
                                 "learning_rate": 2e-04}},
    # rl-zoo3's Hopper values as rl-zoo3 runs them: one env (the 4-env "before"/"after" stand
    # still at 500k steps, in this package and in plain SB3 on gymnasium's own reward alike)
    "hopper_n1": {"Hopper-v5": {"n_envs": 1}},
    # Walker2d with HalfCheetah's layout (16 envs x 128 steps, 10 epochs of 256-sample batches:
    # 80 gradient steps per 2,048 env steps instead of rl-zoo3's 1,280), the learning rate
    # scaled with the batch (32 -> 256: x8), as HalfCheetah's was (x4 for 64 -> 256); adopted
    # as the package's Walker2d settings after it ran (so now the same as "after")
    "walker_n16": {"Walker2d-v5": {"n_envs": 16, "n_steps": 128, "batch_size": 256,
                                   "n_epochs": 10, "learning_rate": 4.04e-04}},
    # The arms "after_sb3" / "after_sbx" (the same settings trained by SB3 or by sbx, JAX) ran at
    # commit 0d56df0, which had rewardsmith/rl/jax_ppo.py; sbx was not adopted and that module
    # was removed (results/time_to_success_cheetah-run_sbx.json, README).
    "after_net128": {"HalfCheetah-v5": {**_CHEETAH_LR_THEN, "policy_kwargs": {
        **_ZOO_NET, "net_arch": {"pi": [128, 128], "vf": [128, 128]}}}},
    # cheetah-flip's reference stays near 0.4 rad/s with both tuned settings (#12); both start
    # the policy's action noise at std exp(-2) = 0.14. A whole flip pays and half of one pays
    # nothing back (the pitch rate integrates to the angle turned), so flips must first happen
    # by chance: this arm starts the noise at SB3's default std 1 (log_std_init 0), all else
    # as "after" was then. Seeds 0-2, 500k steps: 2.12 / 2.52 / 3.01 rad/s against 0.43 / 0.32 /
    # 0.32 for "after" (README)
    "after_std1": {"HalfCheetah-v5": {**_CHEETAH_LR_THEN,
                                      "policy_kwargs": {**_ZOO_NET, "log_std_init": 0.0}}},
    # the same start at today's learning rate (3.3e-4)
    "std1_lr4x": {"HalfCheetah-v5": {"policy_kwargs": {**_ZOO_NET, "log_std_init": 0.0}}},
    # between the two: std exp(-1) = 0.37 and exp(-0.5) = 0.61 at the start (std 1 stopped
    # cheetah-run's reference from running at all: 0/3 by 300k steps). cheetah-flip, seeds 0-2:
    # 0.25 / 0.27 / 0.30 and 1.02 / 0.18 / 0.49 rad/s; cheetah-run with 0.37: 3/3, median wall
    # 0.94x of "after" then
    "after_std037": {"HalfCheetah-v5": {**_CHEETAH_LR_THEN,
                                        "policy_kwargs": {**_ZOO_NET, "log_std_init": -1.0}}},
    "after_std061": {"HalfCheetah-v5": {**_CHEETAH_LR_THEN,
                                        "policy_kwargs": {**_ZOO_NET, "log_std_init": -0.5}}},
    # HalfCheetah's learning rate x2, x4, x8 from 8.25e-5: fewer env steps to the threshold?
    # x4 is the package's since (so "after_lr4x" is "after" now)
    "after_lr2x": {"HalfCheetah-v5": {"learning_rate": 1.65e-4}},
    "after_lr4x": {"HalfCheetah-v5": {"learning_rate": 3.3e-4}},
    "after_lr8x": {"HalfCheetah-v5": {"learning_rate": 6.6e-4}},
    # Humanoid's learning rate x3 (rl-zoo3's 3.57e-5 -> 1.07e-4): humanoid-raise-arms' reference
    # passes its threshold only after its 2M-step budget (2.2-2.4M) with today's
    "humanoid_lr3x": {"Humanoid-v5": {"learning_rate": 1.07e-4}},
    # cheetah-flip's reference with the spin paid one-sided (0 to 5 rad/s, nothing taken for
    # spinning the other way), the settings of then
    "after_flip_onesided": {"HalfCheetah-v5": _CHEETAH_LR_THEN,
                            "reward": "rewards/cheetah_flip_onesided.py"},
    # Ant has no tuned values in rl-zoo3 (its Ant entry is SB3's defaults with normalisation,
    # what the package ran); this is HalfCheetah's layout on Ant's defaults: 16 envs x 128 steps
    # and 10 epochs of 256-sample batches (80 gradient steps per 2,048 env steps instead of
    # 1,280 per 8,192), SB3's default network and learning rate, with Ant-v5's default
    # observation (the task now turns its contact forces off). When these ran, ant-run's
    # reference paid an alive bonus of 0.1; that reward is kept here
    "ant_n16": {"Ant-v5": _ANT_N16, "reward": "rewards/ant_run_alive01.py",
                "env_kwargs": _ANT_CONTACTS},
    # the same settings on ant-run's reference (an alive bonus of 1)
    "ant_n16_alive1": {"Ant-v5": _ANT_N16, "env_kwargs": _ANT_CONTACTS},
    # and without the contact forces in the policy's observation: Ant-v5 appends 78 of them
    # (105 values in all), Ant-v4 left them out by default (27), and the v2/v3 envs most PPO
    # results on Ant come from had them at zero (a MuJoCo 2 bug). The named state the reward
    # and the fitness read does not come from the observation, so only the policy's input
    # changes. (Ant's settings since: these, and this observation for every Ant run.)
    "ant_n16_alive1_nocfrc": {"Ant-v5": _ANT_N16, "env_kwargs": _ANT_NO_CONTACTS},
    # the same, with the alive bonus of 0.1
    "ant_n16_nocfrc": {"Ant-v5": _ANT_N16, "reward": "rewards/ant_run_alive01.py",
                       "env_kwargs": _ANT_NO_CONTACTS},
    # Hopper's settings with the torso allowed to lean 1 rad before the episode ends (Walker2d's
    # default; Hopper's is 0.2). Hopper's thigh swings the foot only backwards of the hip (its
    # range is -150..0 deg, the foot going back), so getting the foot ahead of the body, which a
    # hop backwards pushes off from, takes leaning the torso back
    "hopper_lean1": {"Hopper-v5": {}, "env_kwargs": {"healthy_angle_range": [-1.0, 1.0]}},
    # Humanoid's discount from rl-zoo3's 0.95 to SB3's default 0.99: at 0.95 a return looks
    # about 20 steps (0.3 s) ahead, shorter than a fall takes; humanoid-stand's reference
    # learns to stand but falls in some episodes (README, #12)
    "humanoid_gamma099": {"Humanoid-v5": {"gamma": 0.99}},
    # Humanoid's settings with the policy observing positions and velocities only (45 values):
    # Humanoid-v5 also appends the bodies' inertias, centre-of-mass velocities, actuator forces
    # and contact forces (348 in all); after Ant, a probe of whether they slow Humanoid too
    "humanoid_lean": {"Humanoid-v5": {},
                      "env_kwargs": {"include_cinert_in_observation": False,
                                     "include_cvel_in_observation": False,
                                     "include_qfrc_actuator_in_observation": False,
                                     "include_cfrc_ext_in_observation": False}},
}


def settings(arm: str, env_id: str) -> dict:
    """The overrides of ``arm`` for ``env_id`` (``{}``: the package's defaults)."""
    import torch.nn as nn

    table = {k: v for k, v in ARMS[arm].items() if k not in ("reward", "env_kwargs")}
    if table and env_id not in table:
        raise SystemExit(f"arm {arm!r} has no settings for {env_id}; add them to ARMS")
    params = dict(table.get(env_id, {}))
    if isinstance(params.get("policy_kwargs"), dict) and params["policy_kwargs"]:
        net = dict(params["policy_kwargs"])
        net["activation_fn"] = {"relu": nn.ReLU}[net["activation_fn"]]
        params["policy_kwargs"] = net
    return params


def reward_of(arm: str) -> str | None:
    """The arm's reward file (a path under benchmarks/), or None for the task's reference."""
    name = ARMS[arm].get("reward")
    return str(Path(__file__).resolve().parent / name) if name else None


def side_by_side(seeds: list[int], arms: list[str]) -> list[list[tuple[int, str]]]:
    """The (seed, arm) trainings that run at the same time, in order: both arms of a seed (the
    same load for both), or with one arm two seeds at a time."""
    jobs = [(seed, arm) for seed in seeds for arm in arms]
    return [jobs[i:i + 2] for i in range(0, len(jobs), 2)]


def _one(task: str, seed: int, arm: str, overrides: dict, evals: int,
         max_wall_s: float | None, train_on: bool = False, steps: int | None = None) -> dict:
    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.training import train

    task_obj = get_task(task)
    budget = steps or task_obj.default_steps
    overrides = dict(overrides)
    n_envs = overrides.pop("n_envs", None)
    t0 = time.perf_counter()

    def should_stop(rec: dict) -> bool:
        reached = rec["fitness_mean"] is not None \
            and rec["fitness_mean"] >= task_obj.success_threshold
        out_of_time = max_wall_s is not None and time.perf_counter() - t0 > max_wall_s
        return (reached and not train_on) or out_of_time

    with tempfile.TemporaryDirectory() as out:
        result = train(task=task, reward=reward_of(arm), seed=seed, steps=budget, out=out,
                       video=False, env_kwargs=ARMS[arm].get("env_kwargs"),
                       n_envs=n_envs, eval_every=budget // evals,
                       algo_kwargs=overrides or None, should_stop=should_stop)
    wall = time.perf_counter() - t0
    metrics = result.metrics
    return {"arm": arm, "seed": seed, "success": metrics["first_success_steps"] is not None,
            "steps": metrics["first_success_steps"] or metrics["steps"],
            "capped": metrics["steps"] < budget and metrics["first_success_steps"] is None,
            "wall_s": round(wall, 1), "final_fitness": metrics["final"]["fitness_mean"],
            "steps_per_s": metrics["steps_per_s"], "best_fitness": metrics["best_fitness"],
            "evals": [[r["steps"], r["fitness_mean"]] for r in metrics["evals"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cheetah-run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", default=["before", "after"], choices=sorted(ARMS),
                        help="the two settings compared (each seed runs both side by side); "
                             "one arm alone runs its seeds two at a time")
    parser.add_argument("--evals", type=int, default=20, help="evaluations over the budget")
    parser.add_argument("--max-wall-s", type=float, default=None,
                        help="stop an arm at its first evaluation past this many seconds "
                             "(reported as not reached, its wall time a lower bound)")
    parser.add_argument("--name", default=None, help="results file name")
    parser.add_argument("--train-on", action="store_true",
                        help="train to the budget after a success (as the reference runs do): "
                             "'env steps' is still the first success, 'final fitness' and "
                             "'wall s' the whole run's")
    parser.add_argument("--steps", type=int, default=None,
                        help="training budget in env steps (default: the task's own); to "
                             "measure what budget a task needs")
    args = parser.parse_args()
    from common import report

    from rewardsmith.envs.registry import get_task
    from rewardsmith.rl.hyperparams import hyperparams

    if len(args.arms) > 2:
        parser.error("--arms takes one or two settings")
    env_id = get_task(args.task).env_id
    arms = {arm: settings(arm, env_id) for arm in args.arms}
    results = []
    with ProcessPoolExecutor(2) as pool:
        for pair in side_by_side(args.seeds, list(arms)):
            futures = [pool.submit(_one, args.task, seed, arm, arms[arm], args.evals,
                                   args.max_wall_s, args.train_on, args.steps)
                       for seed, arm in pair]
            for future in futures:
                results.append(future.result())
                print(results[-1], flush=True)
    rows = [[r["arm"], r["seed"], r["success"], r["steps"], r["wall_s"], r["final_fitness"],
             r["steps_per_s"]] for r in results]

    def median(arm: str, key: str) -> float:
        return statistics.median(r[key] for r in results if r["arm"] == arm)

    first, second = (args.arms * 2)[:2]
    ratio = ({f"wall_ratio_{second}_over_{first}": round(
        median(second, "wall_s") / median(first, "wall_s"), 3)} if second != first else {})
    summary = {"task": args.task, "arms": {arm: {k: str(v) for k, v in o.items()}
                                           for arm, o in arms.items()},
               "rewards": {arm: ARMS[arm].get("reward", "the task's reference") for arm in arms},
               "env_kwargs": {arm: ARMS[arm].get("env_kwargs", {}) for arm in arms},
               "package_defaults": {k: str(v) for k, v in hyperparams(
                   "ppo", env_id, get_task(args.task).algo_kwargs).items()},
               "max_wall_s": args.max_wall_s, "train_on": args.train_on,
               "budget": args.steps or get_task(args.task).default_steps,
               "successes": {arm: sum(r["success"] for r in results if r["arm"] == arm)
                             for arm in arms},
               "median_wall_s": {arm: median(arm, "wall_s") for arm in arms},
               "median_steps_per_s": {arm: median(arm, "steps_per_s") for arm in arms},
               **ratio,
               "note": "a run that did not reach the threshold counts with its whole wall time "
                       "(to the budget or the cap): a lower bound on its time to success",
               "results": results}
    report(args.name or f"time_to_success_{args.task}",
           f"Time to success, {args.task}: " + (f"{first} vs {second} (pairs side by side)"
                                                 if ratio else f"{first}, two seeds at a time"),
           ["arm", "seed", "success", "env steps", "wall s", "final fitness", "steps/s"], rows,
           summary)


if __name__ == "__main__":
    main()
