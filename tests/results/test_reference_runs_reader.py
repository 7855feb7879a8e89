"""Reading the measured reference runs that ``rewardsmith envs`` shows.

The file is user-editable benchmark output, so every way it can be wrong must end as a status
or a skipped entry, never an exception; numbers are shown only when they are finite numbers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rewardsmith.results import reference_runs
from rewardsmith.results.reference_runs import (
    MISSING,
    NOT_HERE,
    OK,
    UNREADABLE,
    fitness_summary,
    load_reference_runs,
    results_path,
)


def _entry(task="cheetah-run", seed=0, fitness=3.2, **extra):
    return {"task": task, "seed": seed, "final_fitness": fitness, "budget": 300_000,
            "steps": 300_000, "wall_s": 600.5, "steps_per_s": 500.0, "capped": False, **extra}


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_valid_file_gives_each_tasks_runs_sorted_by_seed(tmp_path):
    path = _write(tmp_path / "r.json", {"runs": [_entry(seed=1, fitness=3.4), _entry(seed=0),
                                                 _entry("pendulum-balance", 0, 1.0)]})
    got = load_reference_runs(path)
    assert got.status == OK and got.skipped == 0 and got.path == path
    assert [(r.seed, r.final_fitness) for r in got.runs["cheetah-run"]] == [(0, 3.2), (1, 3.4)]
    assert got.runs["pendulum-balance"][0].wall_s == 600.5
    assert fitness_summary(got, "cheetah-run", 3.0, 300_000) == "3.20, 3.40 (2/2 ≥ 3)"
    assert fitness_summary(got, "cheetah-run", 3.3, 300_000) == "3.20, 3.40 (1/2 ≥ 3.3)"
    assert fitness_summary(got, "hopper-hop", 1.0, 500_000) == "not measured yet"


def test_a_repeated_task_and_seed_counts_once_the_last_entry_winning(tmp_path):
    path = _write(tmp_path / "r.json", {"runs": [_entry(fitness=1.0), _entry(fitness=3.5)]})
    assert fitness_summary(load_reference_runs(path), "cheetah-run", 3.0) == "3.50 (1/1 ≥ 3)"


@pytest.mark.parametrize("content", [b"", b"{\"runs\": [", b"\xff\xfe", b"[1, 2]", b'"runs"',
                                     b'{"runs": {"task": "x"}}', b'{"other": []}', b"null"])
def test_a_broken_file_is_unreadable_never_a_crash(tmp_path, content):
    path = tmp_path / "r.json"
    path.write_bytes(content)
    got = load_reference_runs(path)
    assert got.status == UNREADABLE and got.problem and got.runs == {}
    assert fitness_summary(got, "cheetah-run", 3.0) == "unreadable results file"


def test_a_symlink_and_a_folder_are_unreadable_not_followed(tmp_path):
    real = _write(tmp_path / "real.json", {"runs": [_entry()]})
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert load_reference_runs(link).status == UNREADABLE
    assert load_reference_runs(tmp_path).status == UNREADABLE


def test_a_missing_file_is_not_measured_yet(tmp_path):
    got = load_reference_runs(tmp_path / "absent.json")
    assert got.status == MISSING
    assert fitness_summary(got, "cheetah-run", 3.0) == "not measured yet"


@pytest.mark.parametrize("bad", [
    {"task": "cheetah-run", "seed": 0, "final_fitness": "3.2"},       # text, not a number
    {"task": "cheetah-run", "seed": 0, "final_fitness": float("nan")},
    {"task": "cheetah-run", "seed": 0, "final_fitness": None},
    {"task": "cheetah-run", "seed": 0, "final_fitness": True},
    {"task": "cheetah-run", "seed": True, "final_fitness": 3.0},
    {"task": "cheetah-run", "seed": -1, "final_fitness": 3.0},
    {"task": "cheetah-run", "seed": 0.5, "final_fitness": 3.0},
    {"task": 7, "seed": 0, "final_fitness": 3.0},
    {"seed": 0, "final_fitness": 3.0},
    "cheetah-run 3.2",
])
def test_an_entry_without_numbers_where_numbers_belong_is_skipped(tmp_path, bad):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"runs": [bad, _entry(seed=1)]}))
    got = load_reference_runs(path)
    assert got.status == OK and got.skipped == 1
    assert [r.seed for r in got.runs["cheetah-run"]] == [1]


def test_optional_fields_that_are_not_numbers_are_dropped_not_shown(tmp_path):
    entry = _entry(wall_s="fast", steps_per_s=-3, budget=1e300, first_success_steps=12.5,
                   commit="\x1b]52;c;cm0=\x07abc1234", capped="yes")
    got = load_reference_runs(_write(tmp_path / "r.json", {"runs": [entry]}))
    run = got.runs["cheetah-run"][0]
    assert (run.wall_s, run.steps_per_s, run.budget, run.first_success_steps) == (None,) * 4
    assert run.capped is False and run.commit == "abc1234"


def test_a_capped_run_or_another_budget_says_so(tmp_path):
    runs = [_entry(seed=0, capped=True, steps=120_000), _entry(seed=1, budget=200_000)]
    got = load_reference_runs(_write(tmp_path / "r.json", {"runs": runs}))
    assert fitness_summary(got, "cheetah-run", 3.0, 300_000) == (
        "3.20, 3.20 (2/2 ≥ 3); 1 stopped early; at 200,000, 300,000 steps")


def test_the_checkout_file_is_found_and_the_env_var_overrides_it(tmp_path, monkeypatch):
    monkeypatch.delenv(reference_runs.ENV_VAR, raising=False)
    root = Path(reference_runs.__file__).resolve().parents[2]
    assert results_path() == root / "benchmarks" / "results" / "reference_runs.json"
    monkeypatch.setenv(reference_runs.ENV_VAR, str(tmp_path / "mine.json"))
    assert results_path() == tmp_path / "mine.json"


def test_without_a_source_checkout_the_numbers_are_not_measured_here(tmp_path, monkeypatch):
    # what a wheel install looks like: the package's parent is site-packages, no benchmarks/
    monkeypatch.delenv(reference_runs.ENV_VAR, raising=False)
    monkeypatch.setattr(reference_runs, "_REPO_ROOT", tmp_path)
    assert results_path() is None
    got = load_reference_runs()
    assert got.status == NOT_HERE
    assert fitness_summary(got, "cheetah-run", 3.0) == "not measured here"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_unreadable(tmp_path):
    path = _write(tmp_path / "r.json", {"runs": [_entry()]})
    path.chmod(0)
    assert load_reference_runs(path).status == UNREADABLE
