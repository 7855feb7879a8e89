"""Successive halving vs the full budget for all, on the same K candidates (some deliberately weak).

Both arms run ``evaluate_candidates`` on the same candidates, seed and budget, in the sandbox:
once with the default rungs (0.25, 0.5, 1.0; keep the top half), once with every candidate trained
on the whole budget. Reported: env steps each arm trained, their ratio, and whether both find the
same best candidate (and the best's final fitness in each). Goal: <= 0.5x the steps, same best.

    python benchmarks/bench_halving.py                       # pendulum-balance, ~10 min
    python benchmarks/bench_halving.py --task cheetah-run --steps 327680   # full, about 50 min
    python benchmarks/bench_halving.py --task cheetah-run --steps 98304 --min-keep 2 --out DIR

Budgets that are multiples of 4 x PPO's rollout (n_envs 4 x n_steps: 1024 on the pendulum, 2048
on HalfCheetah) keep every rung on a whole rollout; otherwise PPO rounds each rung up and halving
pays a little more. "Same best" is reported twice: the same id, and "best within ties": the
halving winner's full-budget fitness is within ``--tie`` of the full-budget winner's (two rewards
that both balance the pole 100% of the time are equally good).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_HEAD = "import numpy as np\n\n\ndef compute_reward(state, action, next_state):\n"

# For the forward-locomotion tasks (cheetah-run, hopper-hop, walker-walk, ant-run): the task's
# reference reward comes first, then variants, then three deliberately weak rewards.
LOCOMOTION = {
    "capped_speed": """    forward = np.minimum(next_state.torso_velocity[:, 0], 1.0)
    ctrl = -0.1 * np.sum(action ** 2, axis=1)
    return forward + ctrl, {"forward": forward, "ctrl": ctrl}
""",
    "weak_jump": """    height = next_state.torso_height
    return height, {"height": height}
""",
    "ctrl_heavy": """    forward = next_state.torso_velocity[:, 0]
    ctrl = -1.0 * np.sum(action ** 2, axis=1)
    return forward + ctrl, {"forward": forward, "ctrl": ctrl}
""",
    "weak_backwards": """    backward = -next_state.torso_velocity[:, 0]
    return backward, {"backward": backward}
""",
    "weak_still": """    ctrl = -np.sum(action ** 2, axis=1)
    return ctrl, {"ctrl": ctrl}
""",
}

PENDULUM = {
    "upright_only": """    upright = np.cos(next_state.pole_angle)
    return upright, {"upright": upright}
""",
    "weak_push": """    push = np.abs(next_state.cart_velocity)
    return push, {"push": push}
""",
    "angle_penalty": """    angle = -np.abs(next_state.pole_angle)
    return angle, {"angle": angle}
""",
    "weak_spin": """    spin = next_state.pole_angular_velocity ** 2
    return spin, {"spin": spin}
""",
    "weak_still": """    ctrl = -np.sum(action ** 2, axis=1)
    return ctrl, {"ctrl": ctrl}
""",
}


def candidates_for(task_id: str, k: int) -> list:
    """The task's reference reward and ``k - 1`` variants (strong and weak, interleaved)."""
    from rewardsmith.envs.registry import get_task
    from rewardsmith.evaluator import Candidate

    task = get_task(task_id)
    variants = PENDULUM if task.env_id.startswith("InvertedPendulum") else LOCOMOTION
    if k > len(variants) + 1:
        raise SystemExit(f"at most {len(variants) + 1} candidates for {task_id}")
    out = [Candidate("reference", task.reference_reward_path.read_text())]
    out += [Candidate(name, _HEAD + body) for name, body in list(variants.items())[:k - 1]]
    return out


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Arguments both evaluator benchmarks take."""
    parser.add_argument("--task", default="pendulum-balance")
    parser.add_argument("--steps", type=int, default=49_152, help="budget per candidate")
    parser.add_argument("--candidates", type=int, default=6, help="K")
    parser.add_argument("--reeval-seeds", type=int, default=5)
    parser.add_argument("--n-eval-episodes", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None,
                        help="keep run folders here (default: a temporary folder, removed)")
    parser.add_argument("--live", action="store_true", help="draw the live table")
    parser.add_argument("--name", default=None,
                        help="result file benchmarks/results/<name>.json (default: per script)")


def main() -> None:
    from common import report

    from rewardsmith.envs.registry import get_task
    from rewardsmith.evaluator import HalvingConfig, evaluate_candidates
    from rewardsmith.evaluator.halving import DEFAULT_RUNGS_TEXT, parse_rungs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rungs", default=DEFAULT_RUNGS_TEXT,
                        help="the halving arm's rungs (fractions of the budget)")
    parser.add_argument("--min-keep", type=int, default=1,
                        help="fewest candidates a rung promotes (the halving arm)")
    parser.add_argument("--tie", type=float, default=0.02,
                        help="fitness difference (fraction of the success threshold) that counts "
                             "as a tie")
    args = parser.parse_args()
    cands = candidates_for(args.task, args.candidates)
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_halving_"))
    halving = HalvingConfig(parse_rungs(args.rungs), min_keep=args.min_keep)
    arms = {"halving": halving, "full budget": HalvingConfig.full_budget()}
    # Each arm's folder is named by its rungs, so a rerun with other rungs (same --out) reuses
    # the full-budget arm instead of training it again.
    folders = {"halving": f"halving_{args.rungs.replace(',', '-')}_keep{args.min_keep}",
               "full budget": "full_budget"}
    reports = {}
    try:
        for name, config in arms.items():
            reports[name] = evaluate_candidates(
                args.task, cands, root / folders[name], steps=args.steps,
                workers=args.workers, halving=config, reeval_seeds=args.reeval_seeds,
                n_eval_episodes=args.n_eval_episodes, live=args.live)
    finally:
        if args.out is None:
            shutil.rmtree(root, ignore_errors=True)
    rows = []
    for name, rep in reports.items():
        best = rep.result(rep.best) if rep.best else None
        reeval = rep.best_reeval or {}
        rows.append([name, rep.env_steps, rep.wall_s, rep.best, best.fitness if best else None,
                     reeval.get("fitness_mean"), reeval.get("fitness_sem")])
    half, full = reports["halving"], reports["full budget"]
    full_fitness = {c.id: c.fitness for c in full.candidates}
    tie = args.tie * abs(get_task(args.task).success_threshold)
    top = full_fitness.get(full.best)
    summary = {
        "task": args.task, "budget": args.steps, "candidates": [c.id for c in cands],
        "steps_ratio": round(half.env_steps / full.env_steps, 3),
        "same_best": half.best == full.best,
        "best_within_ties": bool(half.best and top is not None
                                 and full_fitness.get(half.best) is not None
                                 and full_fitness[half.best] >= top - tie),
        "rungs": list(halving.rungs), "min_keep": halving.min_keep,
        "expected_steps_ratio": round(halving.expected_cost(len(cands)) / len(cands), 3),
        # A reused arm trained nothing in this call: its wall time says nothing.
        "wall_ratio": (round(half.wall_s / full.wall_s, 3)
                       if half.jobs_run and full.jobs_run else None),
        "ranking_halving": half.ranking, "ranking_full_budget": full.ranking,
        "full_budget_fitness": full_fitness,
        "goal": "steps_ratio <= 0.5 and same best",
    }
    report(args.name or "halving",
           f"Successive halving vs full budget: {args.task}, K={len(cands)}, "
           f"{args.steps:,} steps each",
           ["arm", "env steps", "wall s", "best", "fitness", "re-eval", "± sem"], rows, summary)


if __name__ == "__main__":
    main()
