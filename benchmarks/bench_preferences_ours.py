"""Our side of the preference benchmark: the design loop with the synthetic teacher (issue 6).

Runs ``rewardsmith design --task T --feedback synthetic`` with the offline designer and
**without successive halving**, so that nothing but the teacher's answers picks the best: every
candidate trains the whole budget, the teacher ranks them from task fitness (the same
:class:`~rewardsmith.feedback.oracle.SyntheticOracle` the PrefPPO baseline asks), and the run's
best is the teacher's choice. The loop stops when the teacher-chosen best reaches the task's
success threshold (measured by the re-evaluation the loop itself does).

Queries are counted in two units, both read from the run directory:
- ``pairwise``: the teacher's pairwise comparisons (``summary.json`` -> ``queries``), the same
  unit as PrefPPO's segment-pair queries: the fair comparison;
- ``pages``: one per iteration, ICPL's unit (a person picks the best and worst video once).

    python benchmarks/bench_preferences_ours.py --task cheetah-run-backwards
    python benchmarks/bench_preferences_ours.py --task cheetah-flip --seeds 0 1 2 --steps 150000
    python benchmarks/bench_preferences.py --task cheetah-run-backwards \
        --ours benchmarks/results/preferences_ours-cheetah-run-backwards.json ...

Env steps are counted from the run directory: every candidate's training up to the iteration
that succeeded (PrefPPO trains one policy per run). Runs already in ``--out`` are resumed.
Writes ``benchmarks/results/preferences_ours-<task>.json`` in the form ``--ours`` reads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import trained_steps  # noqa: E402 (after the path set-up)


def queries_from_run(run_path: Path, threshold: float) -> dict:
    """Queries asked up to the iteration whose teacher-chosen best first met the threshold."""
    pairwise = pages = 0
    rows = []
    reached = None
    for summary_path in sorted(run_path.glob("iter_*/summary.json"),
                               key=lambda p: int(p.parent.name.split("_")[1])):
        summary = json.loads(summary_path.read_text())
        pairwise += int(summary.get("queries", 0))
        pages += 1 if summary.get("queries") else 0
        chosen = summary["order"][0] if summary["order"] else None
        by_id = {c["id"]: c for c in summary["candidates"]}
        fitness = by_id[chosen]["fitness"] if chosen else None
        rows.append([summary["iteration"], chosen, fitness, summary.get("queries", 0)])
        if reached is None and fitness is not None and fitness >= threshold:
            reached = {"iteration": summary["iteration"], "pairwise": pairwise, "pages": pages}
    return {"rows": rows, "reached": reached}


def run_seed(task, seed: int, args) -> dict:
    """One design run with the synthetic teacher (resumed when ``--out`` holds it)."""
    from common import resume_or_design

    out = args.out / task.id / f"seed{seed}"
    t0 = time.perf_counter()
    run = resume_or_design(out, say=lambda line: print(line, flush=True), task=task.id,
                           designer="offline", feedback="synthetic", halving=False,
                           iterations=args.iterations, candidates=args.candidates,
                           steps=args.steps, seed=seed)
    wall = time.perf_counter() - t0
    found = queries_from_run(run.path, task.success_threshold)
    reached = found["reached"]
    upto = None if reached is None else list(range(reached["iteration"] + 1))
    reeval = run.state.get("best_reeval") or {}
    return {"seed": seed, "rows": found["rows"],
            "iteration0_succeeded": bool(reached) and reached["iteration"] == 0,
            "queries_to_success": reached["pairwise"] if reached else None,
            "pages_to_success": reached["pages"] if reached else None,
            "env_steps_to_success": trained_steps(run.path, upto) if reached else None,
            "env_steps": trained_steps(run.path),
            "fitness": reeval.get("fitness_mean", (run.state.get("best") or {}).get("fitness")),
            "fitness_sem": reeval.get("fitness_sem"), "wall_s": round(wall, 1),
            "run": str(run.path)}


def main() -> None:
    from common import report

    from rewardsmith.envs.registry import get_task

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cheetah-run-backwards")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--steps", type=int, help="env steps per policy (default: the task's)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-preferences-ours"))
    parser.add_argument("--name", help="results name (default: preferences_ours-<task>)")
    args = parser.parse_args()
    task = get_task(args.task)
    args.steps = args.steps or task.default_steps
    per_seed = [run_seed(task, seed, args) for seed in args.seeds]
    done = [r["queries_to_success"] for r in per_seed]
    # As for PrefPPO: a query count succeeds when every seed succeeded within it.
    ours = {
        "queries_to_success": None if None in done else max(done),
        "pages_to_success": None if None in done else max(r["pages_to_success"]
                                                         for r in per_seed),
        "fitness": statistics.mean(r["fitness"] for r in per_seed if r["fitness"] is not None),
        "steps_per_policy": args.steps,
        "seeds": args.seeds,
        "successes": f"{sum(q is not None for q in done)}/{len(done)}",
        "iteration0_succeeded": [r["seed"] for r in per_seed if r["iteration0_succeeded"]],
        "env_steps_to_success": [r["env_steps_to_success"] for r in per_seed],
        "per_seed": per_seed,
        "note": (f"offline designer, K={args.candidates}, no halving, synthetic teacher "
                 f"(perfect), stopped on success; queries = pairwise comparisons, the most "
                 f"any seed needed; env steps = every candidate trained up to the iteration "
                 f"that succeeded"),
    }
    name = args.name or f"preferences_ours-{args.task}"
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(ours, indent=2))
    rows = [[r["seed"], *row] for r in per_seed for row in r["rows"]]
    report(f"{name}_table", f"Design loop with the synthetic teacher on {args.task}",
           ["seed", "iteration", "teacher's best", "its fitness", "pairwise queries"], rows,
           {k: v for k, v in ours.items() if k != "per_seed"}
           | {"threshold": task.success_threshold})


if __name__ == "__main__":
    main()
