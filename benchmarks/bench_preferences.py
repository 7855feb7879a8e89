"""Preference queries to reach a task's success threshold: our loop vs PrefPPO (issue 6).

The claim to test is ICPL's: an LLM rewriting reward code from rankings needs far fewer queries
(goal: >= 10x) than learning a reward model from segment preferences. The baseline
(``prefppo_baseline.py``: Bradley-Terry reward model + PPO, imitation's query schedule; see its
docstring for why it is not imitation itself) is swept over increasing query budgets at the same
env-step budget per policy as our loop, with the same synthetic teacher (``SyntheticOracle``).
Its "queries to success" is the smallest budget at which every seed's final policy reaches the
threshold. By default the sweep stops at that budget (larger ones cost time and answer nothing
more); ``--full`` runs them all.

Our side comes from the design loop's own output, never recomputed here: ``--ours FILE``, a JSON
object with ``queries_to_success`` (int, or null if it never succeeded) and ``fitness`` (final
fitness of its best policy); optional ``steps_per_policy``, ``seeds``, ``note``. Without it the
table says our side is missing.

    python benchmarks/bench_preferences.py --task pendulum-balance --queries 10,30,100 --seeds 0,1
    python benchmarks/bench_preferences.py --task cheetah-run-backwards --ours runs/x/prefs.json

Writes ``benchmarks/results/<name>.json`` (``preferences`` by default). One training at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report
from prefppo_baseline import PrefPPOConfig, run_prefppo

COLUMNS = ["method", "budget", "seed", "asked", "answered", "q@1st", "steps", "fitness",
           "success", "wall s"]
"""``budget``: queries the run may ask; ``q@1st``: queries asked when a round's evaluation
first reached the threshold (the policy may have lost it again by the end)."""


def load_ours(path: str | None) -> dict | None:
    """Read and check the design loop's result file (``None`` when not given)."""
    if path is None:
        return None
    data = json.loads(Path(path).read_text())
    missing = {"queries_to_success", "fitness"} - set(data)
    if missing:
        raise SystemExit(f"{path}: missing field(s) {sorted(missing)}; expected "
                         '{"queries_to_success": int|null, "fitness": float, ...}')
    q = data["queries_to_success"]
    if q is not None and (not isinstance(q, int) or q < 0):
        raise SystemExit(f"{path}: queries_to_success must be a non-negative int or null")
    return data


def ours_rows(ours: dict) -> list[list]:
    """Our side's table rows: one per seed where the file has them (``per_seed``), else one.

    "asked" is the pairwise comparisons to the first success (all the run asked when it never
    succeeded), "steps" the env steps every candidate trained up to then (to the end when it
    never did).
    """
    def asked(rec: dict) -> int | None:
        if rec.get("queries_to_success") is not None:
            return rec["queries_to_success"]
        rows = rec.get("rows") or []  # [iteration, teacher's best, its fitness, pairwise]
        return sum(int(r[3]) for r in rows) if rows else None

    per_seed = ours.get("per_seed")
    if not per_seed:
        return [["ours", "-", ours.get("seeds", "-"), ours["queries_to_success"], "-",
                 ours["queries_to_success"], ours.get("steps_per_policy", "-"),
                 ours["fitness"], ours["queries_to_success"] is not None, "-"]]
    return [["ours", "-", rec["seed"], asked(rec), "-", rec.get("queries_to_success") or "-",
             rec.get("env_steps_to_success") or rec.get("env_steps", "-"), rec.get("fitness"),
             rec.get("queries_to_success") is not None, rec.get("wall_s", "-")]
            for rec in per_seed]


def queries_to_success(runs: list[dict]) -> int | None:
    """Smallest query budget at which every seed succeeded."""
    budgets = sorted({r["budget_queries"] for r in runs})
    for q in budgets:
        at_q = [r for r in runs if r["budget_queries"] == q]
        if at_q and all(r["success"] for r in at_q):
            return q
    return None


def compare(baseline_q: int | None, max_tried: int, ours: dict | None) -> str:
    """The headline: how many times fewer queries our loop needed (or why it can't be said)."""
    if ours is None:
        return "our side is missing (give --ours FILE from the design loop)"
    ours_q = ours["queries_to_success"]
    if ours_q is None:
        return "our loop did not reach the threshold: no ratio"
    if baseline_q is None:
        return (f"PrefPPO never succeeded up to {max_tried} queries: ratio > "
                f"{max_tried / max(ours_q, 1):.3g}x (lower bound)")
    text = f"{baseline_q / max(ours_q, 1):.3g}x fewer pairwise queries (goal >= 10x)"
    pages = ours.get("pages_to_success")
    if pages:
        text += (f"; {baseline_q / pages:.3g}x counting one query per ranking page "
                 f"({pages}), ICPL's unit")
    return text


def _row(task, result: dict) -> list:
    first = next((h["queries"] for h in result["history"]
                  if h["fitness"] >= task.success_threshold), "-")
    return ["PrefPPO", result["budget_queries"], result.get("seed", "-"), result["queries"],
            result["answered"], first, result["env_steps"], result["fitness"],
            result["success"], result["wall_s"]]


def _earlier_runs(path: str | None, task_id: str, steps: int) -> list[dict]:
    """PrefPPO runs recorded by an earlier run of this script, checked to match."""
    if path is None:
        return []
    data = json.loads(Path(path).read_text())
    summary = data.get("summary", {})
    if summary.get("task") != task_id or summary.get("steps_per_policy") != steps:
        raise SystemExit(f"{path} measured {summary.get('task')} at "
                         f"{summary.get('steps_per_policy')} steps per policy, not {task_id} at "
                         f"{steps}")
    runs = data.get("runs") or []
    if not runs:
        raise SystemExit(f"{path} holds no PrefPPO runs")
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="pendulum-balance")
    parser.add_argument("--queries", help="comma-separated query budgets (default "
                        "10,30,100,300,1000; with --baseline-from: none beyond its own)")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--steps", type=int, help="env steps per policy (default: --ours's "
                        "steps_per_policy, else the task's default budget)")
    parser.add_argument("--segment-length", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--beta", type=float, help="oracle rationality (default: perfect)")
    parser.add_argument("--mistake", type=float, default=0.0, help="oracle mistake rate")
    parser.add_argument("--ours", help="JSON from our preference loop")
    parser.add_argument("--full", action="store_true", help="run every budget, even after "
                        "one succeeded on all seeds")
    parser.add_argument("--name", default="preferences", help="results file name")
    parser.add_argument("--baseline-from", help="a results file of an earlier run of this "
                        "script: reuse its PrefPPO runs (same task and steps) instead of "
                        "training them again, e.g. to add --ours")
    args = parser.parse_args(argv)

    from rewardsmith.envs.registry import get_task
    from rewardsmith.feedback.oracle import SyntheticOracle

    task = get_task(args.task)
    ours = load_ours(args.ours)
    steps = args.steps or (ours or {}).get("steps_per_policy") or task.default_steps
    if ours and ours.get("steps_per_policy") not in (None, steps):
        print(f"warning: our loop used {ours['steps_per_policy']} steps per policy, "
              f"the baseline {steps}: not the same budget")
    runs = _earlier_runs(args.baseline_from, task.id, steps)
    asked = sorted(int(q) for q in (args.queries or ("" if runs else "10,30,100,300,1000"))
                   .split(",") if q)
    seeds = sorted({r["seed"] for r in runs}) if runs else [int(s) for s in
                                                             args.seeds.split(",")]
    to_run = [q for q in asked if q not in {r["budget_queries"] for r in runs}]
    budgets = sorted({r["budget_queries"] for r in runs} | set(asked))
    for q in to_run:
        for seed in seeds:
            print(f"PrefPPO {task.id}: {q} queries, seed {seed}, {steps} env steps")
            oracle = SyntheticOracle(rationality_beta=args.beta, mistake_rate=args.mistake,
                                     seed=seed)
            cfg = PrefPPOConfig(steps=steps, queries=q, segment_length=args.segment_length,
                                n_iterations=args.iterations, seed=seed)
            result = {"budget_queries": q, **run_prefppo(task, cfg, oracle)}
            runs.append(result)
        if not args.full and not args.baseline_from and queries_to_success(runs) == q:
            break
    runs.sort(key=lambda r: (r["budget_queries"], r["seed"]))
    rows = [_row(task, r) for r in runs]
    if ours is not None:
        rows.extend(ours_rows(ours))
    baseline_q = queries_to_success(runs)
    summary = {
        "task": task.id, "threshold": task.success_threshold, "steps_per_policy": steps,
        "segment_length": args.segment_length, "iterations": args.iterations,
        "oracle": runs[0]["oracle"] if runs else None, "seeds": seeds,
        "prefppo_queries_to_success": baseline_q if baseline_q is not None
        else f"> {max(budgets)} (never on all seeds)",
        "ours_queries_to_success": ours["queries_to_success"] if ours else "missing",
        "ours_fitness": ours["fitness"] if ours else "missing",
        "comparison": compare(baseline_q, max(budgets), ours),
        # Env steps, both sides: PrefPPO trains one policy per run; our loop K per iteration.
        "prefppo_env_steps_at_success_budget": [r["env_steps"] for r in runs
                                                if r["budget_queries"] == baseline_q],
        "ours_env_steps_to_success": (ours or {}).get("env_steps_to_success", "not recorded"),
        "ours_successes": (ours or {}).get("successes", "not recorded"),
    }
    os.environ.setdefault("COLUMNS", "120")  # rich's width off a terminal; 80 truncates cells
    path = report(args.name, f"Preference queries to success: {task.id}", COLUMNS, rows,
                  summary)
    data = json.loads(path.read_text())
    data["runs"], data["ours"] = runs, ours
    path.write_text(json.dumps(data, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
