"""benchmarks/bench_feedback_steering.py: what it counts, and one tiny real pair of arms."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_feedback_steering import iteration_bests, run_pair, summarize
from common import trained_steps


def _rung(path: Path, steps: int, fitness: float | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"steps": steps, "final": {"fitness_mean": fitness}}))


def test_steps_count_each_candidates_last_rung_once(tmp_path):
    # Rungs continue the same training: a candidate promoted to rung 2 trained 150k, not 262k.
    _rung(tmp_path / "iter_0/cand_0/rung_0.json", 37_500, 0.1)
    _rung(tmp_path / "iter_0/cand_0/rung_1.json", 75_000, 0.2)
    _rung(tmp_path / "iter_0/cand_0/rung_2.json", 150_000, 0.4)
    _rung(tmp_path / "iter_0/cand_1/rung_0.json", 37_500, 0.05)
    _rung(tmp_path / "iter_1/cand_0/rung_0.json", 37_500, 0.9)
    assert trained_steps(tmp_path) == 150_000 + 37_500 + 37_500
    assert trained_steps(tmp_path, [0]) == 150_000 + 37_500
    # an iteration's best is its candidates' best final fitness at their last rung
    assert iteration_bests(tmp_path) == [0.4, 0.9]


def test_iteration_bests_orders_iterations_numerically(tmp_path):
    for i in range(11):
        _rung(tmp_path / f"iter_{i}/cand_0/rung_0.json", 1000, float(i))
    _rung(tmp_path / "iter_11/cand_0/rung_0.json", 1000, None)  # nothing scored
    assert iteration_bests(tmp_path) == [float(i) for i in range(11)] + [None]


def test_summary_leaves_out_pairs_whose_iteration0_succeeded():
    def pair(seed, iter0, refl, res, steps):
        return {"task": "t", "seed": seed, "iteration0_succeeded": iter0,
                "reflection": {"success": refl, "steps": steps[0]},
                "resample": {"success": res, "steps": steps[1]}}

    s = summarize([pair(0, False, True, False, (300, 450)), pair(1, False, False, False,
                   (500, 450)), pair(2, True, True, True, (100, 100))])
    assert s["pairs_where_iteration0_failed"] == 2
    assert s["reflection_successes"] == "1/2" and s["resample_successes"] == "0/2"
    assert s["reflection_median_steps"] == 400 and s["resample_median_steps"] == 450
    assert s["iteration0_succeeded"] == ["t seed 2"]


@pytest.mark.slow
def test_a_tiny_pair_shares_iteration0_and_draws_afresh(tmp_path):
    # A budget far below what the pendulum needs: iteration 0 fails, so both arms go on.
    args = SimpleNamespace(out=tmp_path, iterations=2, candidates=1, steps=512)
    pair = run_pair("pendulum-balance", 0, args)
    assert not pair["iteration0_succeeded"]
    refl, res = pair["reflection"], pair["resample"]
    assert len(refl["iteration_bests"]) == 2 and len(res["iteration_bests"]) == 2
    # the resample arm's first draw is the reflection run's iteration 0, not a new run
    assert res["iteration_bests"][0] == refl["iteration_bests"][0]
    assert "(iteration 0, shared)" in res["draws"][0]["run"]
    assert (tmp_path / "pendulum-balance/seed0/resample1").is_dir()
    assert refl["steps"] >= 2 * 512 and res["steps"] >= 2 * 512
    # resumed, not run again: the same numbers come back from the run directories
    assert run_pair("pendulum-balance", 0, args)["resample"]["steps"] == res["steps"]
