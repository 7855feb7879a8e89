"""The synthetic preference teacher: B-Pref noise models and best/worst from round robin."""

from __future__ import annotations

import math

import pytest

from rewardsmith.feedback.oracle import SyntheticOracle
from rewardsmith.feedback.ranking import RankingError

FITNESS = [("a", 0.3), ("b", 2.5), ("c", -1.0), ("d", 1.2), ("e", 0.9)]


def test_perfect_teacher_returns_true_best_and_worst() -> None:
    ranking = SyntheticOracle().rank(FITNESS)
    assert (ranking.best, ranking.worst) == ("b", "c")
    assert ranking.order == ["b", "d", "e", "a", "c"]  # the full true order
    assert ranking.source == "synthetic"
    assert ranking.queries == 10  # 5 * 4 / 2 round-robin comparisons
    assert "perfect" in ranking.why and "2.5" not in ranking.why  # fitness never leaks


@pytest.mark.parametrize("seed", range(5))
def test_perfect_teacher_is_exact_whatever_the_input_order(seed: int) -> None:
    import random

    shuffled = FITNESS[:]
    random.Random(seed).shuffle(shuffled)
    ranking = SyntheticOracle(seed=seed).rank(shuffled)
    assert (ranking.best, ranking.worst) == ("b", "c")


def test_perfect_compare() -> None:
    oracle = SyntheticOracle()
    assert oracle.compare(2.0, 1.0) == 1.0
    assert oracle.compare(1.0, 2.0) == 0.0
    assert oracle.compare(1.0, 1.0) == 0.5
    assert oracle.is_perfect


def test_small_beta_is_noisy_but_deterministic_given_the_seed() -> None:
    many = [(f"c{i}", i * 0.01) for i in range(8)]  # small gaps relative to 1 / beta
    rankings = [SyntheticOracle(rationality_beta=0.5, seed=s).rank(many) for s in range(20)]
    assert len({(r.best, r.worst) for r in rankings}) > 1  # the teacher is not reliable...
    assert any(r.best != "c7" for r in rankings)
    again = [SyntheticOracle(rationality_beta=0.5, seed=s).rank(many) for s in range(20)]
    assert again == rankings  # ...but reproducible


def test_beta_controls_the_preference_probability() -> None:
    oracle = SyntheticOracle(rationality_beta=1.0, seed=3)
    answers = [oracle.compare(1.0, 0.0) for _ in range(4000)]
    expected = 1 / (1 + math.exp(-1.0))  # sigmoid(beta * diff) = 0.731
    assert abs(sum(answers) / len(answers) - expected) < 0.03
    coin = SyntheticOracle(rationality_beta=0.0, seed=3)
    share = sum(coin.compare(100.0, 0.0) for _ in range(4000)) / 4000
    assert abs(share - 0.5) < 0.03
    sharp = SyntheticOracle(rationality_beta=1e6, seed=3)  # large beta must not overflow exp
    assert [sharp.compare(0.0, 1.0) for _ in range(10)] == [0.0] * 10


def test_mistake_rate_one_flips_every_answer() -> None:
    oracle = SyntheticOracle(mistake_rate=1.0)
    assert oracle.compare(2.0, 1.0) == 0.0
    assert oracle.compare(1.0, 2.0) == 1.0
    ranking = oracle.rank(FITNESS)
    assert (ranking.best, ranking.worst) == ("c", "b")  # the order is exactly reversed
    assert ranking.order == ["c", "a", "e", "d", "b"]


def test_skip_when_both_are_below_the_threshold() -> None:
    oracle = SyntheticOracle(skip_threshold=1.0)
    assert oracle.compare(0.5, 0.9) is None
    assert oracle.compare(1.0, 0.2) is None  # at the threshold still counts as uninformative
    assert oracle.compare(1.5, 0.2) == 1.0
    ranking = oracle.rank(FITNESS)
    assert ranking.queries == 10  # skipped queries still cost a question
    assert ranking.best == "b"  # b and d beat everyone they were compared with
    assert "skipped" in ranking.why


def test_zero_skip_threshold_never_skips_negative_fitness() -> None:
    assert SyntheticOracle().compare(-5.0, -6.0) == 1.0  # B-Pref: only a positive threshold skips


def test_equal_within_threshold_and_never_flipped() -> None:
    oracle = SyntheticOracle(equal_threshold=0.5, mistake_rate=1.0)
    assert oracle.compare(1.0, 1.4) == 0.5
    assert oracle.compare(1.4, 1.0) == 0.5
    assert oracle.compare(1.0, 1.5) == 1.0  # not equal any more, and flipped by the mistake
    ranking = SyntheticOracle(equal_threshold=10.0).rank(FITNESS)
    assert ranking.queries == 10 and "10 equal" in ranking.why  # every pair is a tie


def test_failed_candidates_are_always_worst_never_best() -> None:
    oracle = SyntheticOracle(mistake_rate=1.0)  # even a teacher that prefers the worse one
    ranking = oracle.rank([("ok", 1.0), ("crash", None), ("better", 2.0), ("nan", math.nan)])
    assert ranking.best == "ok"
    assert ranking.order[-2:] == ["crash", "nan"] and ranking.worst == "nan"
    assert ranking.queries == 1  # failed candidates are not compared


def test_single_and_degenerate_inputs() -> None:
    oracle = SyntheticOracle()
    only = oracle.rank([("x", 1.0)])
    assert (only.best, only.worst, only.order, only.queries) == ("x", "x", ["x"], 0)
    survivor = oracle.rank([("x", 1.0), ("y", None)])
    assert (survivor.best, survivor.worst, survivor.queries) == ("x", "y", 0)
    with pytest.raises(RankingError, match="every candidate failed"):
        oracle.rank([("x", None), ("y", None)])
    with pytest.raises(RankingError, match="no candidates"):
        oracle.rank([])
    with pytest.raises(RankingError, match="unique"):
        oracle.rank([("x", 1.0), ("x", 2.0)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rationality_beta": -1.0}, "rationality_beta"),
        ({"mistake_rate": 1.5}, "mistake_rate"),
        ({"equal_threshold": -0.1}, "equal_threshold"),
    ],
)
def test_invalid_parameters(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SyntheticOracle(**kwargs)
