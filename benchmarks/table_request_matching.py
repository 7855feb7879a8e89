"""Which success measure does each request get? A built-in task's fitness only when it measures
the request; otherwise the one the offline designer writes (or why it cannot).

    python benchmarks/table_request_matching.py

Reads the texts of tests/envs/test_task_resolution.py's MATCHING_TABLE (requests outside the
built-in phrasings: speed targets, one-limb qualifiers, opposite directions, poses, stillness,
turning). No training: seconds. Writes benchmarks/results/request_matching.json.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def texts() -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "matching", ROOT / "tests" / "envs" / "test_task_resolution.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [row[0] for row in module.MATCHING_TABLE]


def main() -> None:
    from common import report

    from rewardsmith.designers.offline.success_measure import (
        MeasureNotExpressible,
        compose_success_measure,
    )
    from rewardsmith.envs.registry import get_description
    from rewardsmith.envs.task_resolution import resolve_task

    rows = []
    for text in texts():
        resolved = resolve_task(text)
        if resolved.task is not None:
            measure = f"built-in {resolved.task.id}"
        else:
            try:
                written = compose_success_measure(text, get_description(resolved.env_id))
                measure = f"written: {written.summary} (>= {written.threshold})"
            except MeasureNotExpressible as e:
                measure = f"offline designer cannot: {str(e)[:90]}"
        near = "; ".join(n.strip()[2:] for n in resolved.notes if n.startswith("  - "))
        rows.append([text, resolved.env_id, measure, near or "-",
                     str(resolved.env_kwargs or "{}")])
    matched = sum(r[2].startswith("built-in") for r in rows)
    written = sum(r[2].startswith("written") for r in rows)
    report("request_matching", "Success measure per request",
           ["text", "env", "success measure", "why no built-in", "env kwargs"], rows,
           {"texts": len(rows), "built_in": matched, "written_offline": written,
            "not_expressible_offline": len(rows) - matched - written})


if __name__ == "__main__":
    main()
