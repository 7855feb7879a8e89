"""``rewardsmith envs`` shows each task's measured reference fitness, whatever the results file.

Run as a user runs it (``python -m rewardsmith envs``), wide enough that rich keeps each row on
one line, with ``REWARDSMITH_REFERENCE_RUNS`` pointing at a file this test writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rewardsmith.results.reference_runs import ENV_VAR

pytestmark = pytest.mark.timeout(120)


def _envs(results: Path) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    environ.update({"COLUMNS": "250", ENV_VAR: str(results)})
    return subprocess.run([sys.executable, "-m", "rewardsmith", "envs"], env=environ,
                          capture_output=True, text=True, timeout=100)


def _row(output: str, task_id: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"│ {task_id} "))


def test_the_column_shows_each_seeds_fitness_and_the_successes(tmp_path):
    runs = [{"task": "pendulum-balance", "seed": s, "final_fitness": f, "budget": 50_000}
            for s, f in ((0, 0.97), (1, 0.912))]
    results = tmp_path / "reference_runs.json"
    results.write_text(json.dumps({"runs": runs}))
    done = _envs(results)
    assert done.returncode == 0, done.stderr
    assert "reference fitness (seeds)" in done.stdout
    assert "0.97, 0.91 (1/2 ≥ 0.95)" in _row(done.stdout, "pendulum-balance")
    assert "not measured yet" in _row(done.stdout, "humanoid-stand")
    assert str(results) in done.stdout  # the caption says where the numbers come from


def test_a_broken_results_file_says_so_in_the_column_and_lists_the_tasks(tmp_path):
    results = tmp_path / "reference_runs.json"
    results.write_text('{"runs": [{"task": "pendulum-balance", "seed": 0, ')
    done = _envs(results)
    assert done.returncode == 0, done.stderr
    assert "unreadable results file" in _row(done.stdout, "pendulum-balance")
    assert "Traceback" not in done.stderr and "is not valid JSON" in done.stderr


def test_without_a_results_file_every_task_is_not_measured_yet(tmp_path):
    done = _envs(tmp_path / "absent.json")
    assert done.returncode == 0, done.stderr
    assert "not measured yet" in _row(done.stdout, "pendulum-balance")
    assert "not measured yet" in _row(done.stdout, "cheetah-run")
