"""The reference-runs bench's bookkeeping (benchmarks/bench_reference_runs.py) and the README
table it feeds (benchmarks/table_reference_runs.py), without training.

The bench runs for hours, so what matters is that it resumes: a rerun trains only the pairs not
yet recorded, each finished pair lands in the file at once without losing the others, and a
broken file stops it instead of being overwritten.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_reference_runs import (
    _parse_args,
    json_safe,
    pairs_left,
    record_run,
    recorded_pairs,
)
from table_reference_runs import COLUMNS, NOT_MEASURED, builtin_tasks, duration, markdown

from rewardsmith.results.reference_runs import load_reference_runs


def _record(task="pendulum-balance", seed=0, fitness=1.0, **extra):
    return {"task": task, "seed": seed, "final_fitness": fitness, "budget": 50_000,
            "steps": 50_176, "capped": False, "wall_s": 84.0, "steps_per_s": 600.0,
            "first_success_steps": 10_000, "commit": "abc1234", "date": "2026-01-02 03:04:05",
            **extra}


def test_pairs_left_skips_recorded_pairs_unless_redo():
    tasks, seeds = ["pendulum-balance", "cheetah-run"], [0, 1]
    recorded = {("pendulum-balance", 0), ("cheetah-run", 1), ("hopper-hop", 0)}
    assert pairs_left(recorded, tasks, seeds) == [("pendulum-balance", 1), ("cheetah-run", 0)]
    assert pairs_left(recorded, tasks, seeds, redo=True) == [
        ("pendulum-balance", 0), ("pendulum-balance", 1), ("cheetah-run", 0), ("cheetah-run", 1)]
    assert pairs_left(set(), tasks, [3]) == [("pendulum-balance", 3), ("cheetah-run", 3)]


def test_each_finished_pair_is_appended_and_a_rerun_skips_it(tmp_path):
    path = tmp_path / "results" / "reference_runs.json"
    assert recorded_pairs(path) == set()
    record_run(path, _record(seed=1))
    record_run(path, _record("cheetah-run", 0, 3.1))
    record_run(path, _record(seed=0))
    assert recorded_pairs(path) == {("pendulum-balance", 0), ("pendulum-balance", 1),
                                    ("cheetah-run", 0)}
    assert pairs_left(recorded_pairs(path), ["pendulum-balance", "cheetah-run"], [0, 1]) == [
        ("cheetah-run", 1)]
    data = json.loads(path.read_text())
    assert [(r["task"], r["seed"]) for r in data["runs"]] == [
        ("cheetah-run", 0), ("pendulum-balance", 0), ("pendulum-balance", 1)]
    assert "bench_reference_runs.py" in data["about"]


def test_a_redone_pair_replaces_its_entry_and_keeps_the_rest_even_hand_edited_ones(tmp_path):
    path = tmp_path / "reference_runs.json"
    path.write_text(json.dumps({"runs": [_record(fitness=0.5), _record(seed=1),
                                         {"task": "cheetah-run", "note": "hand-written"}],
                                "mine": "kept"}))
    assert recorded_pairs(path) == {("pendulum-balance", 0), ("pendulum-balance", 1)}
    record_run(path, _record(fitness=0.99))
    data = json.loads(path.read_text())
    assert data["mine"] == "kept" and len(data["runs"]) == 3
    assert {"task": "cheetah-run", "note": "hand-written"} in data["runs"]
    runs = load_reference_runs(path).runs["pendulum-balance"]
    assert [(r.seed, r.final_fitness) for r in runs] == [(0, 0.99), (1, 1.0)]


@pytest.mark.parametrize("content", ['{"runs": [', "[]", '{"runs": 3}'])
def test_a_broken_results_file_stops_the_bench_and_is_never_overwritten(tmp_path, content):
    path = tmp_path / "reference_runs.json"
    path.write_text(content)
    with pytest.raises(SystemExit, match="move it away to start afresh"):
        recorded_pairs(path)
    with pytest.raises(SystemExit, match=str(path)):
        record_run(path, _record())
    assert path.read_text() == content


def test_hyperparameters_are_recorded_as_plain_json():
    import torch.nn as nn

    from rewardsmith.rl.hyperparams import hyperparams

    safe = json_safe(hyperparams("ppo", "HalfCheetah-v5"))
    assert safe["policy_kwargs"]["activation_fn"] == "ReLU"
    assert json.loads(json.dumps(safe)) == safe
    assert json_safe({"net": (64, 64), "fn": nn.Tanh}) == {"net": [64, 64], "fn": "Tanh"}


@pytest.mark.parametrize("argv, message", [(["--workers", "0"], "--workers must be at least 1"),
                                           (["--max-wall-s", "-5"], "--max-wall-s must be")])
def test_bad_arguments_are_one_clear_line(argv, message, capsys):
    with pytest.raises(SystemExit):
        _parse_args(argv)
    assert message in capsys.readouterr().err


def test_the_readme_table_has_every_builtin_task_measured_or_not(tmp_path):
    path = tmp_path / "reference_runs.json"
    record_run(path, _record(seed=0, fitness=1.0))
    record_run(path, _record(seed=1, fitness=0.9, capped=True, steps=30_000,
                             first_success_steps=None, wall_s=3600.0))
    tasks = builtin_tasks()
    assert len(tasks) == 12 and tasks[0].id == "pendulum-balance"  # cheapest budget first
    lines = markdown(load_reference_runs(path), tasks).splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    rows = [line for line in lines[2:] if line.startswith("| ")]
    assert len(rows) == 12
    assert rows[0] == ("| pendulum-balance | 50,000 | 0.95 | 1.00, 0.90 (stopped at 30,000 "
                       "steps, not the default budget) | 1/2 | 10k, never | 84 s, 60 min | "
                       "600 |")
    assert all(NOT_MEASURED in row for row in rows[1:])
    assert "measured 2026-01-02" in lines[-1] and "abc1234" in lines[-1]


def test_the_readme_table_of_a_broken_file_warns_instead_of_showing_runs(tmp_path):
    path = tmp_path / "reference_runs.json"
    path.write_text("{")
    text = markdown(load_reference_runs(path), builtin_tasks())
    assert "Warning:" in text and "not valid JSON" in text
    assert text.count(NOT_MEASURED) == 12


def test_durations_read_as_seconds_minutes_or_hours():
    assert [duration(s) for s in (None, 41.4, 720, 4680, 9000)] == [
        "?", "41 s", "12 min", "78 min", "2.5 h"]


def test_a_run_that_returned_its_best_evaluation_says_where_and_what_the_last_scored(tmp_path):
    path = tmp_path / "reference_runs.json"
    record_run(path, _record("ant-run", 0, 1.41, returned_from="best", returned_steps=1_600_000,
                             last_fitness=0.56, threshold=1.0))
    # an older run recorded before the training returned its best: no such fields, as before
    record_run(path, _record("ant-run", 1, 0.95))
    # "last" (the returned policy was the last) reads like a run without the fields
    record_run(path, _record("hopper-hop", 0, 2.2, returned_from="last", returned_steps=10,
                             last_fitness=2.2))
    runs = load_reference_runs(path).runs
    assert (runs["ant-run"][0].returned_steps, runs["ant-run"][0].last_fitness) == (1_600_000,
                                                                                    0.56)
    assert runs["ant-run"][1].returned_steps is None and runs["hopper-hop"][0].last_fitness is None
    text = markdown(load_reference_runs(path), builtin_tasks())
    row = next(line for line in text.splitlines() if line.startswith("| ant-run "))
    assert "| 1.41 (best at 1600k; last 0.56), 0.95 | 1/2 |" in row
    assert "re-evaluated on 4 new episodes" in text.splitlines()[-1]
