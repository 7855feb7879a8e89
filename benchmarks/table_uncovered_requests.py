"""One table of the held-out benchmark from several runs of it, latest result per request.

    python benchmarks/table_uncovered_requests.py results/a.json results/b.partial.json ...

`bench_uncovered_requests.py` runs for hours and has been run in pieces, across designer
changes. This reads the pieces (final or ``.partial.json`` files, paths relative to
``benchmarks/``), keeps each request's latest result (the files in the order given, later wins),
and says for each one whether it was still held out when it ran: a request whose failure led to
a change of the designer (:data:`SHAPED_BY`) no longer measures design for an unseen request,
and counts apart. No training: seconds. Writes benchmarks/results/uncovered_requests_table.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Requests whose earlier failure changed the designer: what it changed. Their later results are
# reported, and not counted as held out.
SHAPED_BY = {
    "cheetah-3ms": "a target speed is composed uphill from rest (its Gaussian bump paid ~1e-7 at "
                   "rest)",
    "hopper-slowly": "a written pace is gated on getting somewhere (hopping in place scored "
                     "0.497 of 0.5)",
    "walker-1ms": "the measure's trial also scores pushed starts (a correct pace measure was "
                  "rejected as constant)",
    "walker-crouch": "a crouch keeps early termination at knee height (with it off both crouches "
                     "lay down), and its height term rises from standing (kept up, both stood)",
    "hopper-crouch": "a crouch keeps early termination at knee height (with it off both crouches "
                     "lay down), and its height term rises from standing (kept up, both stood)",
}


def read_results(paths: list[Path]) -> dict[str, dict]:
    """Each request's latest result across ``paths`` (later files win)."""
    latest: dict[str, dict] = {}
    for path in paths:
        data = json.loads(path.read_text())
        results = data.get("results") or data.get("summary", {}).get("results", [])
        settings = data.get("summary", {}).get("settings", {})
        for result in results:
            latest[result["name"]] = {"settings": settings, **result, "file": path.name}
    return latest


def budget_text(settings: dict) -> str:
    """The run's budget as set: steps per candidate (the env's default when not set) and the
    iteration cap."""
    steps = settings.get("steps")
    return (f"{steps:,} steps" if steps else "default steps") + \
        f", {settings.get('iterations', '?')} iteration(s) at most"


def main(argv: list[str] | None = None) -> None:
    from common import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    latest = read_results([p if p.is_absolute() else HERE / p for p in args.files])
    rows, held_out, shaped = [], [], []
    for name, r in latest.items():
        ok = bool(r.get("check_success"))
        (shaped if name in SHAPED_BY else held_out).append(ok)
        rows.append([name, r.get("commit") or "before the commit was recorded",
                     "no: " + SHAPED_BY[name] if name in SHAPED_BY else "yes",
                     r.get("best_fitness"), r.get("success"), r.get("check_passed", "-"),
                     (r.get("check_details") or ["-"])[0], r.get("wall_s"),
                     budget_text(r.get("settings") or {}), r.get("error", "")[:120]])
    summary = {
        "requests": len(latest),
        "success_by_independent_check": f"{sum(held_out) + sum(shaped)}/{len(latest)}",
        "held_out_success": f"{sum(held_out)}/{len(held_out)}",
        "no_longer_held_out_success": f"{sum(shaped)}/{len(shaped)}",
        "goal": "7 of 10 or better by the independent check (issue #15)",
        "files": [str(p) for p in args.files],
    }
    report("uncovered_requests_table", "Held-out requests, latest result per request",
           ["request", "commit", "held out when run", "best fitness (run's measure)",
            "run's success", "independent check", "first check episode", "wall s",
            "budget per candidate, iterations", "error"],
           rows, summary)


if __name__ == "__main__":
    main()
