"""The preference benchmark's counting: queries and env steps up to the first success."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_preferences_ours import queries_from_run
from common import trained_steps


def _iteration(run: Path, i: int, queries: int, fitness: dict[str, float], steps: int) -> None:
    """An iteration folder as the design loop writes it: a summary and one rung per candidate."""
    folder = run / f"iter_{i}"
    folder.mkdir(parents=True)
    order = sorted(fitness, key=fitness.get, reverse=True)  # a perfect teacher's ranking
    summary = {"iteration": i, "queries": queries, "order": order,
               "candidates": [{"id": c, "fitness": f} for c, f in fitness.items()]}
    (folder / "summary.json").write_text(json.dumps(summary))
    for cand in fitness:
        (folder / cand).mkdir()
        (folder / cand / "rung_0.json").write_text(json.dumps({"steps": steps}))


def test_queries_and_steps_stop_at_the_iteration_that_succeeded(tmp_path):
    _iteration(tmp_path, 0, 6, {"cand_0": 0.5, "cand_1": 1.2}, 100_000)
    _iteration(tmp_path, 1, 6, {"cand_0": 2.5, "cand_1": 0.1}, 100_000)
    _iteration(tmp_path, 2, 6, {"cand_0": 3.0, "cand_1": 0.1}, 100_000)
    found = queries_from_run(tmp_path, threshold=2.0)
    assert found["reached"] == {"iteration": 1, "pairwise": 12, "pages": 2}
    assert [row[2] for row in found["rows"]] == [1.2, 2.5, 3.0]  # the teacher's pick's fitness
    # the env steps both iterations trained, not the third one that ran after the success
    assert trained_steps(tmp_path, [0, 1]) == 400_000


def test_a_run_that_never_succeeds_reaches_nothing(tmp_path):
    _iteration(tmp_path, 0, 6, {"cand_0": 0.5, "cand_1": 1.2}, 100_000)
    assert queries_from_run(tmp_path, threshold=2.0)["reached"] is None


def test_a_stopped_benchmark_run_is_resumed_not_started_again(tmp_path):
    from common import resume_or_design

    kwargs = dict(task="pendulum-balance", designer="offline", candidates=2, iterations=1,
                  steps=1024, workers=2, reeval_seeds=1, say=lambda line: None,
                  train_kwargs={"video": False})
    first = resume_or_design(tmp_path, **kwargs)
    (first.path / "iter_0" / "summary.json").unlink()  # as if stopped before the iteration ended
    again = resume_or_design(tmp_path, **kwargs)
    assert again.path == first.path
    assert [p.parent for p in tmp_path.glob("*/run.json")] == [first.path]
    assert again.best["candidate"] == first.best["candidate"]


def test_the_comparison_table_has_one_row_per_seed_of_ours():
    from bench_preferences import ours_rows

    ours = {"queries_to_success": None, "fitness": 2.0, "per_seed": [
        {"seed": 0, "rows": [[0, "cand_1", 1.7, 6], [1, "cand_0", 1.8, 6]],
         "queries_to_success": None, "env_steps_to_success": None, "env_steps": 800,
         "fitness": 1.8, "wall_s": 9.0},
        {"seed": 1, "rows": [[0, "cand_1", 2.1, 6]], "queries_to_success": 6,
         "env_steps_to_success": 400, "env_steps": 400, "fitness": 2.1, "wall_s": 4.0}]}
    failed, succeeded = ours_rows(ours)
    # a seed that never succeeded reports everything it asked and trained, and no success
    assert failed[2:4] == [0, 12] and failed[6] == 800 and failed[8] is False
    assert succeeded[2:4] == [1, 6] and succeeded[5:7] == [6, 400] and succeeded[8] is True
