"""Successive halving vs the full budget for all, on the same K candidates (some deliberately weak).

Both arms run ``evaluate_candidates`` on the same candidates, seed and budget, in the sandbox:
once with the default rungs (0.25, 0.5, 1.0; keep the top half), once with every candidate trained
on the whole budget. Both rank by the same score (``rung_score``: the mean of the last
``--window`` evaluations). Reported: env steps each arm trained as the evaluator counts them
(measured, not the rungs' arithmetic, which is printed apart as ``expected_steps_ratio``), their
ratio, wall times, and whether both find the same best candidate.

    python benchmarks/bench_halving.py                       # pendulum-balance, seed 0, ~10 min
    python benchmarks/bench_halving.py --seeds 0 1 2         # 3 (task, seed) pairs, ~30 min
    python benchmarks/bench_halving.py --task cheetah-run --steps 327680   # full, about 50 min
    python benchmarks/bench_halving.py --task cheetah-run --steps 98304 --min-keep 2 --out DIR

With ``--seeds`` each seed is one (task, seed) pair with both arms; the result file is
``halving_<task>_seeds.json`` with a row per pair and the totals over all pairs (pairs with the
same best, the overall steps ratio). Without it the script runs seed 0 and writes ``halving.json``
as it always did.

Budgets that are multiples of 4 x PPO's rollout (n_envs 4 x n_steps: 1024 on the pendulum, 2048
on HalfCheetah) keep every rung on a whole rollout; otherwise PPO rounds each rung up and halving
pays a little more. "Same best" is reported twice: the same id, and "best within ties": the
halving winner's full-budget score is within ``--tie`` of the full-budget winner's (two rewards
that both balance the pole 100% of the time are equally good). ``replay_on_full_curves`` replays
halving on the full-budget arm's curves with the last evaluation alone (window 1, the old rule)
and with the window: two ranking rules on the very same learning curves, no extra training.
"""

from __future__ import annotations

import argparse
import json
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


def curves_of(report) -> dict[str, list[tuple[int, float]]]:
    """Each candidate's (steps, fitness) evaluations, read from its ``metrics.json``."""
    from rewardsmith.run_dir import METRICS_JSON

    out = {}
    for c in report.candidates:
        path = Path(c.dir) / METRICS_JSON
        evals = json.loads(path.read_text()).get("evals", []) if path.is_file() else []
        out[c.id] = [(int(e.get("steps") or 0), e.get("fitness_mean")) for e in evals]
    return out


def full_scores(report, curves, window: int) -> dict[str, float | None]:
    """The full-budget arm's ranking score of every candidate (its whole curve)."""
    from rewardsmith.evaluator.halving import RungEntry, rung_score

    return {c.id: rung_score(RungEntry(c.id, i, c.fitness, [f for _, f in curves[c.id]],
                                       failed=c.state == "failed"), window)
            for i, c in enumerate(report.candidates)}


def replay(curves, ids, halving, budget: int, window: int) -> str | None:
    """Halving replayed on the full-budget arm's curves (no training): its winner.

    Each rung sees the evaluations up to the rung's steps, so two ranking rules (windows) are
    compared on the very same learning curves. Approximate: the real halving arm ends each
    rung with an evaluation exactly at the rung, and its training restarts from a checkpoint.
    """
    from rewardsmith.evaluator.halving import HalvingConfig, RungEntry, promote

    config = HalvingConfig(halving.rungs, halving.eta, halving.min_keep, window)
    entrants = list(ids)
    for r, target in enumerate(config.rung_steps(budget)):
        entries = []
        for cid in entrants:
            upto = [f for s, f in curves[cid] if s <= target]
            entries.append(RungEntry(cid, ids.index(cid), upto[-1] if upto else None, upto,
                                     failed=not upto))
        if r == len(config.rungs) - 1:
            return winner(entries, window)
        entrants, _ = promote(entries, config)
        if not entrants:
            return None
    return None


def run_pair(args, cands, seed: int, root: Path, halving) -> dict:
    """Both arms on one (task, seed): the evaluator's reports and what they say together."""
    from rewardsmith.envs.registry import get_task
    from rewardsmith.evaluator import HalvingConfig, evaluate_candidates

    window = halving.window
    full_config = HalvingConfig(rungs=(1.0,), window=window)
    arms = {"halving": halving, "full budget": full_config}
    # Each arm's folder is named by its rungs, so a rerun with other rungs (same --out) reuses
    # the full-budget arm instead of training it again. The window changes the recorded
    # decisions (halving.json), so a non-default one gets folders of its own.
    suffix = "" if args.window is None else f"_w{window}"
    folders = {"halving": f"halving_{args.rungs.replace(',', '-')}_keep{args.min_keep}{suffix}",
               "full budget": f"full_budget{suffix}"}
    reports = {name: evaluate_candidates(
        args.task, cands, root / folders[name], steps=args.steps, workers=args.workers,
        halving=config, seed=seed, reeval_seeds=args.reeval_seeds,
        n_eval_episodes=args.n_eval_episodes, live=args.live)
        for name, config in arms.items()}
    half, full = reports["halving"], reports["full budget"]
    curves = curves_of(full)
    scores = full_scores(full, curves, window)
    full_fitness = {c.id: c.fitness for c in full.candidates}
    tie = args.tie * abs(get_task(args.task).success_threshold)
    top = scores.get(full.best) if full.best else None
    ids = [c.id for c in cands]
    replays = {}
    for w in sorted({1, window}):
        truth = full_winner(full, curves, w)
        won = replay(curves, ids, halving, args.steps, w)
        replays[f"window_{w}"] = {"best": won, "full_best": truth, "same_best": won == truth}
    return {
        "seed": seed, "reports": reports,
        "same_best": half.best == full.best,
        # Within ties: the halving winner's full-budget score is within the tie of the best's.
        "best_within_ties": bool(half.best and top is not None
                                 and scores.get(half.best) is not None
                                 and scores[half.best] >= top - tie),
        "halving_steps": half.env_steps, "full_steps": full.env_steps,
        "steps_ratio": round(half.env_steps / full.env_steps, 3) if full.env_steps else None,
        # A reused arm trained nothing in this call: its wall time says nothing.
        "halving_wall_s": half.wall_s if half.jobs_run else None,
        "full_wall_s": full.wall_s if full.jobs_run else None,
        "ranking_halving": half.ranking, "ranking_full_budget": full.ranking,
        "stopped_at_rung": {c.id: c.rung for c in half.candidates},
        "full_budget_fitness": full_fitness,
        "full_budget_score": {k: (round(v, 4) if v is not None else None)
                              for k, v in scores.items()},
        "replay_on_full_curves": replays,
    }


def full_winner(full, curves, window: int) -> str | None:
    """The full-budget winner under a given window (what that arm would report with it)."""
    from rewardsmith.evaluator.halving import RungEntry

    return winner([RungEntry(c.id, i, c.fitness, [f for _, f in curves[c.id]],
                             failed=c.state == "failed") for i, c in enumerate(full.candidates)],
                  window)


def winner(entries, window: int) -> str | None:
    """The first scored candidate of a ranking by fitness (None: none is scored)."""
    from rewardsmith.evaluator.halving import rank_entries

    by_id = {e.id: e for e in entries}
    return next((i for i in rank_entries(entries, window=window) if by_id[i].scored), None)


def main() -> None:
    from common import report

    from rewardsmith.evaluator import HalvingConfig
    from rewardsmith.evaluator.halving import DEFAULT_RUNGS_TEXT, parse_rungs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rungs", default=DEFAULT_RUNGS_TEXT,
                        help="the halving arm's rungs (fractions of the budget)")
    parser.add_argument("--min-keep", type=int, default=1,
                        help="fewest candidates a rung promotes (the halving arm)")
    parser.add_argument("--window", type=int, default=None,
                        help="evaluations the ranking score averages, both arms (default: "
                             "HalvingConfig's); 1 = the last evaluation alone")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="several training seeds, each a (task, seed) pair with both arms; "
                             "result file halving_<task>_seeds.json")
    parser.add_argument("--tie", type=float, default=0.02,
                        help="fitness difference (fraction of the success threshold) that counts "
                             "as a tie")
    args = parser.parse_args()
    cands = candidates_for(args.task, args.candidates)
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_halving_"))
    halving = HalvingConfig(parse_rungs(args.rungs), min_keep=args.min_keep,
                            **({} if args.window is None else {"window": args.window}))
    seeds = args.seeds if args.seeds is not None else [0]
    pairs = []
    try:
        for seed in seeds:
            # The single-seed default keeps the folders it always had (reusable with --out).
            where = root if args.seeds is None else root / f"seed{seed}"
            pairs.append(run_pair(args, cands, seed, where, halving))
    finally:
        if args.out is None:
            shutil.rmtree(root, ignore_errors=True)
    common = {"task": args.task, "budget": args.steps, "candidates": [c.id for c in cands],
              "rungs": list(halving.rungs), "min_keep": halving.min_keep,
              "window": halving.window,
              "expected_steps_ratio": round(halving.expected_cost(len(cands)) / len(cands), 3)}
    if args.seeds is None:
        single_seed_report(args, pairs[0], common, report)
    else:
        seeds_report(args, pairs, common, report)


def single_seed_report(args, pair: dict, common: dict, report) -> None:
    """One (task, seed 0) pair: a row per arm (the script's original output)."""
    rows = []
    for name, rep in pair["reports"].items():
        best = rep.result(rep.best) if rep.best else None
        reeval = rep.best_reeval or {}
        rows.append([name, rep.env_steps, rep.wall_s, rep.best, best.fitness if best else None,
                     reeval.get("fitness_mean"), reeval.get("fitness_sem")])
    half, full = pair["halving_wall_s"], pair["full_wall_s"]
    summary = {
        **common, "steps_ratio": pair["steps_ratio"], "same_best": pair["same_best"],
        "best_within_ties": pair["best_within_ties"],
        "wall_ratio": round(half / full, 3) if half and full else None,
        **{k: pair[k] for k in ("ranking_halving", "ranking_full_budget", "full_budget_fitness",
                                "full_budget_score", "replay_on_full_curves")},
        "goal": "steps_ratio <= 0.5 and same best",
    }
    report(args.name or "halving",
           f"Successive halving vs full budget: {args.task}, K={len(common['candidates'])}, "
           f"{args.steps:,} steps each", ["arm", "env steps", "wall s", "best", "fitness",
                                          "re-eval", "± sem"], rows, summary)


def seeds_report(args, pairs: list[dict], common: dict, report) -> None:
    """Several (task, seed) pairs: a row per pair, and the totals measured over all of them."""
    rows = []
    for p in pairs:
        half, full = p["reports"]["halving"], p["reports"]["full budget"]
        rows.append([args.task, p["seed"], half.best, full.best, p["same_best"],
                     p["best_within_ties"], p["halving_steps"], p["full_steps"],
                     p["steps_ratio"], p["halving_wall_s"], p["full_wall_s"]])
    steps_h = sum(p["halving_steps"] for p in pairs)
    steps_f = sum(p["full_steps"] for p in pairs)
    walls = [(p["halving_wall_s"], p["full_wall_s"]) for p in pairs]
    timed = all(h and f for h, f in walls)
    replay_counts = {}
    for key in pairs[0]["replay_on_full_curves"]:
        replay_counts[key] = sum(p["replay_on_full_curves"][key]["same_best"] for p in pairs)
    summary = {
        **common, "seeds": [p["seed"] for p in pairs],
        "pairs_same_best": f"{sum(p['same_best'] for p in pairs)}/{len(pairs)}",
        "pairs_best_within_ties": f"{sum(p['best_within_ties'] for p in pairs)}/{len(pairs)}",
        "halving_steps": steps_h, "full_steps": steps_f,
        # Measured: env steps the evaluator reports each arm trained, summed over the pairs.
        "steps_ratio": round(steps_h / steps_f, 3) if steps_f else None,
        "wall_ratio": (round(sum(h for h, _ in walls) / sum(f for _, f in walls), 3)
                       if timed else None),
        "replay_same_best": {k: f"{v}/{len(pairs)}" for k, v in replay_counts.items()},
        "pairs": [{k: v for k, v in p.items() if k != "reports"} | {
            "best_halving": p["reports"]["halving"].best,
            "best_full_budget": p["reports"]["full budget"].best,
            "best_reeval_halving": p["reports"]["halving"].best_reeval,
            "best_reeval_full_budget": p["reports"]["full budget"].best_reeval} for p in pairs],
        "goal": "same best on >= 5 of 6 (task, seed) pairs; steps_ratio as measured",
    }
    report(args.name or f"halving_{args.task}_seeds",
           f"Successive halving vs full budget: {args.task}, seeds {summary['seeds']}, "
           f"K={len(common['candidates'])}, {args.steps:,} steps each",
           ["task", "seed", "best (halving)", "best (full)", "same best", "within ties",
            "halving steps", "full steps", "steps ratio", "halving wall s", "full wall s"],
           rows, summary)


if __name__ == "__main__":
    main()
