"""Failure signatures read off a candidate's evaluation records: each one on records that show it,
none on a healthy candidate, and no exception on records of the wrong types (the sandbox wrote
them)."""

from __future__ import annotations

import pytest

from rewardsmith.evaluator.signatures import Signature, detect_signatures

HORIZON = 1000
SUCCESS = 2.0


def record(steps: int = 10_000, fitness: float | None = 1.0, length: float = 1000.0,
           reward_return: float | None = 100.0, time_limit: int = 10, terminated: int = 0,
           ) -> dict:
    """One evaluation record as ``train`` writes it to ``metrics["evals"]``."""
    return {"steps": steps, "fitness_mean": fitness, "episode_length": length,
            "reward_return": reward_return,
            "ended_by": {"time_limit": time_limit, "terminated": terminated}}


def names(evals, horizon=HORIZON, success=SUCCESS) -> list[str]:
    return [s.name for s in detect_signatures(evals, horizon, success)]


def test_a_healthy_candidate_shows_no_signature():
    evals = [record(fitness=0.5, reward_return=50.0), record(fitness=1.5, reward_return=150.0)]
    assert detect_signatures(evals, HORIZON, SUCCESS) == []


def test_no_records_show_no_signature():
    assert detect_signatures([], HORIZON, SUCCESS) == []


def test_episodes_that_end_early_show_falls_early_with_the_counts():
    evals = [record(length=120.0, time_limit=2, terminated=8)]
    [signature] = detect_signatures(evals, HORIZON, SUCCESS)
    assert signature.name == "falls_early"
    assert "8 of 10 evaluation episodes ended early" in signature.detail
    assert "after 120 of 1000 steps" in signature.detail


def test_short_episodes_without_a_termination_are_not_falls():
    assert "falls_early" not in names([record(length=120.0, time_limit=10, terminated=0)])


def test_episodes_ending_early_but_after_half_the_horizon_are_not_falls_early():
    assert "falls_early" not in names([record(length=600.0, time_limit=2, terminated=8)])


def test_an_unknown_horizon_never_shows_falls_early():
    assert names([record(length=10.0, terminated=10, time_limit=0)], horizon=None) == []


def test_surviving_with_near_zero_fitness_shows_stuck():
    [signature] = detect_signatures([record(fitness=0.01)], HORIZON, SUCCESS)
    assert signature.name == "stuck"
    assert "0.01" in signature.detail and "success is 2" in signature.detail


def test_near_zero_fitness_with_falls_is_not_stuck():
    evals = [record(fitness=0.01, length=100.0, time_limit=0, terminated=10)]
    assert names(evals) == ["falls_early"]


def test_negative_fitness_shows_wrong_direction():
    [signature] = detect_signatures([record(fitness=-0.8)], HORIZON, SUCCESS)
    assert signature.name == "wrong_direction"
    assert "-0.8" in signature.detail


def test_own_return_rising_while_fitness_stays_flat_shows_reward_hacking():
    evals = [record(steps=1_000, fitness=0.5, reward_return=10.0),
             record(steps=10_000, fitness=0.52, reward_return=500.0)]
    [signature] = detect_signatures(evals, HORIZON, SUCCESS)
    assert signature.name == "reward_hacking"
    assert "from 10 to 500" in signature.detail and "from 0.5 to 0.52" in signature.detail


def test_rising_return_with_successful_fitness_is_not_reward_hacking():
    evals = [record(fitness=2.0, reward_return=10.0), record(fitness=2.0, reward_return=500.0)]
    assert names(evals) == []


def test_a_single_record_cannot_show_reward_hacking():
    assert names([record(fitness=0.5, reward_return=500.0)]) == []


def test_signatures_come_in_a_fixed_order():
    evals = [record(fitness=-0.5, reward_return=1.0, length=100.0, time_limit=0, terminated=10),
             record(fitness=-0.5, reward_return=90.0, length=100.0, time_limit=0, terminated=10)]
    assert names(evals) == ["falls_early", "wrong_direction", "reward_hacking"]


def test_without_a_task_fitness_only_falls_early_can_show():
    evals = [record(fitness=-5.0, reward_return=1.0, length=100.0, time_limit=0, terminated=10),
             record(fitness=-5.0, reward_return=900.0, length=100.0, time_limit=0, terminated=10)]
    assert names(evals, success=None) == ["falls_early"]


@pytest.mark.parametrize("bad", [None, "1.0", True, float("nan"), float("inf"), [1.0], {"x": 1}])
def test_values_of_the_wrong_type_are_ignored_not_raised(bad):
    evals = [{"steps": 1, "fitness_mean": bad, "episode_length": bad, "reward_return": bad,
              "ended_by": {"terminated": bad, "time_limit": bad}},
             {"steps": 2, "fitness_mean": bad, "episode_length": bad, "reward_return": bad,
              "ended_by": bad if isinstance(bad, dict) else None}]
    assert detect_signatures(evals, HORIZON, SUCCESS) == []


def test_a_signature_is_json_data():
    assert Signature("stuck", "why").to_dict() == {"name": "stuck", "detail": "why"}


@pytest.mark.xfail(strict=True, raises=AttributeError,
                   reason="signatures.py calls ended_by.values() / record.get() without checking "
                          "that the sandbox-written value is a mapping (left for its owner)")
@pytest.mark.parametrize("evals", [[{"fitness_mean": 0.0, "ended_by": "x"}],
                                   [{"fitness_mean": 0.0, "ended_by": [1, 2]}],
                                   ["not a record"]])
def test_records_or_endings_that_are_not_mappings_are_ignored_not_raised(evals):
    assert detect_signatures(evals, HORIZON, SUCCESS) == []
