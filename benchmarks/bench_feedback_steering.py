"""Does reflection steer? N iterations with reflection against N independent resamples.

Issue #15 (a): on tasks where iteration 0 fails, the same designer either reads the reflection
on what it tried (``feedback="reflection"``) or starts afresh each iteration with no feedback (a
new seed, an empty history). Both arms share iteration 0: the resample arm's first draw is the
reflection run's own iteration 0 (same seed, same candidates, same trainings), so the arms differ
only in what comes after it. Each later draw is a one-iteration design run of K candidates at
the same per-candidate budget, so both arms spend the same kind of steps; the steps each arm
actually trained are counted from the run directories (halving and stopping at the first
success make them differ), not from the schedule.

    python benchmarks/bench_feedback_steering.py --tasks cheetah-flip hopper-hop --seeds 0 1 2
    python benchmarks/bench_feedback_steering.py --tasks cheetah-flip --steps 150000
    python benchmarks/bench_feedback_steering.py --requests \
        "make the half cheetah run forward at 3 m/s"

A request's runs are judged by the measure each run writes for it (its ``fitness.json``
threshold); ``same_measure_in_every_draw`` says whether the resamples wrote the same one.

A task whose iteration 0 succeeds is reported as such and does not count: there is nothing to
steer. Runs already in ``--out`` are resumed, not started again. Writes
benchmarks/results/feedback_steering.json (``--name`` to choose another).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import trained_steps  # noqa: E402 (after the path set-up)

RESAMPLE_SEED_STRIDE = 1000  # draw i of seed s uses design seed s + 1000 * i


def iteration_bests(run_path: Path) -> list[float | None]:
    """The best final fitness of each iteration's candidates (None: nothing scored)."""
    bests = []
    for it in sorted(run_path.glob("iter_*"), key=lambda p: int(p.name.split("_")[1])):
        scores = []
        for cand in it.glob("cand_*"):
            rungs = sorted(cand.glob("rung_*.json"), key=lambda p: int(p.stem.split("_")[1]))
            if rungs:
                fitness = json.loads(rungs[-1].read_text()).get("final", {}).get("fitness_mean")
                if fitness is not None:
                    scores.append(fitness)
        bests.append(max(scores) if scores else None)
    return bests


def _design(out: Path, target: str, seed: int, iterations: int, args) -> tuple[Path, float]:
    """A design run in ``out`` (resumed when one is there); its path and wall seconds.

    ``target`` is a built-in task id, or a request's text (the run writes its own measure).
    """
    from common import resume_or_design

    from rewardsmith.envs.registry import task_ids

    t0 = time.perf_counter()
    what = {"task": target} if target in task_ids() else {"text": target}
    run = resume_or_design(out, **what, designer="offline", feedback="reflection",
                           iterations=iterations, candidates=args.candidates, steps=args.steps,
                           seed=seed)
    return run.path, time.perf_counter() - t0


def success_measure(target: str, run_path: Path) -> tuple[float, str]:
    """The threshold a run is judged by, and a digest of the measure that scores it.

    A built-in task's fitness and threshold; for a request, the measure the run wrote
    (``fitness.json`` and ``fitness.py`` in the run directory). Each resample writes its own, so
    the digest shows whether every draw of a pair was judged by the same measure.
    """
    from rewardsmith.envs.registry import get_task, task_ids

    if target in task_ids():
        return get_task(target).success_threshold, f"task:{target}"
    meta = json.loads((run_path / "fitness.json").read_text())
    digest = hashlib.sha256((run_path / "fitness.py").read_bytes()).hexdigest()[:12]
    return float(meta["threshold"]), digest


def _slug(target: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")[:60]


def run_pair(target: str, seed: int, args) -> dict:
    """Both arms for one (task or request, seed)."""
    root = args.out / _slug(target) / f"seed{seed}"
    path, wall = _design(root / "reflection", target, seed, args.iterations, args)
    threshold, measure = success_measure(target, path)
    bests = iteration_bests(path)
    first_ok = next((i for i, b in enumerate(bests) if b is not None and b >= threshold), None)
    reflection = {"success": first_ok is not None, "success_iteration": first_ok,
                  "iteration_bests": bests, "steps": trained_steps(path), "wall_s": round(wall, 1),
                  "run": str(path)}
    iter0_ok = bool(bests) and bests[0] is not None and bests[0] >= threshold
    draws = [{"best": bests[0] if bests else None, "steps": trained_steps(path, [0]),
              "run": f"{path} (iteration 0, shared)"}]
    measures = {measure}
    for i in range(1, args.iterations if not iter0_ok else 1):
        if any(d["best"] is not None and d["best"] >= threshold for d in draws):
            break  # the resample arm stops at its first success, as the design loop does
        p, w = _design(root / f"resample{i}", target, seed + RESAMPLE_SEED_STRIDE * i, 1, args)
        measures.add(success_measure(target, p)[1])
        b = iteration_bests(p)
        draws.append({"best": b[0] if b else None, "steps": trained_steps(p),
                      "wall_s": round(w, 1), "run": str(p)})
    ok = next((i for i, d in enumerate(draws) if d["best"] is not None
               and d["best"] >= threshold), None)
    resample = {"success": ok is not None, "success_iteration": ok,
                "iteration_bests": [d["best"] for d in draws],
                "steps": sum(d["steps"] for d in draws), "draws": draws}
    return {"task": target, "seed": seed, "threshold": threshold,
            "same_measure_in_every_draw": len(measures) == 1,
            "iteration0_succeeded": iter0_ok, "reflection": reflection, "resample": resample}


def summarize(pairs: list[dict]) -> dict:
    """Success counts and steps per arm over the pairs whose iteration 0 failed."""
    steer = [p for p in pairs if not p["iteration0_succeeded"]]
    out = {"pairs": len(pairs), "pairs_where_iteration0_failed": len(steer),
           "iteration0_succeeded": [f"{p['task']} seed {p['seed']}" for p in pairs
                                    if p["iteration0_succeeded"]]}
    for arm in ("reflection", "resample"):
        out[f"{arm}_successes"] = f"{sum(p[arm]['success'] for p in steer)}/{len(steer)}"
        steps = [p[arm]["steps"] for p in steer]
        out[f"{arm}_median_steps"] = statistics.median(steps) if steps else None
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=None,
                        help="built-in task ids (default: cheetah-flip, unless --requests)")
    parser.add_argument("--requests", nargs="*", default=[],
                        help="request texts no task covers; each run writes its own measure")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--steps", type=int, default=150_000, help="budget per candidate")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_feedback_steering"))
    parser.add_argument("--name", default="feedback_steering")
    args = parser.parse_args(argv)
    from common import report

    targets = (args.tasks if args.tasks is not None
               else [] if args.requests else ["cheetah-flip"]) + args.requests
    pairs = [run_pair(target, seed, args) for target in targets for seed in args.seeds]
    rows = []
    for p in pairs:
        for arm in ("reflection", "resample"):
            r = p[arm]
            rows.append([p["task"], p["seed"], arm, p["iteration0_succeeded"], r["success"],
                         r["success_iteration"],
                         " / ".join("-" if b is None else f"{b:.3g}" for b in r["iteration_bests"]),
                         r["steps"]])
    settings = {"iterations": args.iterations, "candidates": args.candidates,
                "steps_per_candidate": args.steps, "designer": "offline"}
    report(args.name, "Reflection against independent resamples (offline designer)",
           ["task", "seed", "arm", "iteration 0 succeeded", "success", "at iteration",
            "best fitness per iteration", "env steps trained"], rows,
           {**summarize(pairs), "settings": settings, "pairs_detail": pairs})


if __name__ == "__main__":
    main()
