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
    python benchmarks/bench_preferences.py --task cheetah-run-backwards \
        --ours benchmarks/results/preferences_ours-cheetah-run-backwards.json ...

Writes ``benchmarks/results/preferences_ours-<task>.json`` in the form ``--ours`` reads.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


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


def main() -> None:
    from common import report

    from rewardsmith.envs.registry import get_task
    from rewardsmith.run.api import design

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="cheetah-run-backwards")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/bench-preferences-ours"))
    args = parser.parse_args()
    task = get_task(args.task)
    t0 = time.perf_counter()
    run = design(task=args.task, out=args.out, designer="offline", feedback="synthetic",
                 halving=False, iterations=args.iterations, candidates=args.candidates,
                 seed=args.seed, say=lambda line: print(line, flush=True))
    wall = time.perf_counter() - t0
    found = queries_from_run(run.path, task.success_threshold)
    reeval = run.state.get("best_reeval") or {}
    reached = found["reached"]
    ours = {
        "queries_to_success": reached["pairwise"] if reached else None,
        "pages_to_success": reached["pages"] if reached else None,
        "fitness": reeval.get("fitness_mean", (run.state.get("best") or {}).get("fitness")),
        "fitness_sem": reeval.get("fitness_sem"),
        "steps_per_policy": task.default_steps,
        "seeds": [args.seed],
        "note": (f"offline designer, K={args.candidates}, no halving, synthetic teacher "
                 f"(perfect), stopped on success; queries = pairwise comparisons; run "
                 f"{run.path}; {wall:.0f} s"),
    }
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"preferences_ours-{args.task}.json").write_text(json.dumps(ours, indent=2))
    report(f"preferences_ours_table-{args.task}",
           f"Design loop with the synthetic teacher on {args.task}",
           ["iteration", "teacher's best", "its fitness", "pairwise queries"], found["rows"],
           {**ours, "threshold": task.success_threshold, "wall_s": round(wall, 1)})


if __name__ == "__main__":
    main()
