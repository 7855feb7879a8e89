"""Successive halving: rung arithmetic, ranking (steady score, ties, failures, preferences)."""

from __future__ import annotations

import math

import pytest

from rewardsmith.evaluator.halving import (
    HalvingConfig,
    RungEntry,
    order_from_best_worst,
    promote,
    rank_entries,
    rung_score,
)


def test_default_rungs_and_keep():
    config = HalvingConfig()
    assert config.rungs == (0.25, 0.5, 1.0)
    assert config.rung_steps(100_000) == [25_000, 50_000, 100_000]
    assert [config.n_keep(n) for n in (1, 2, 3, 4, 5, 8)] == [1, 1, 1, 2, 2, 4]


@pytest.mark.parametrize(("k", "cost"), [(4, 2.0), (8, 4.0), (3, 1.5), (6, 2.75)])
def test_expected_cost_is_about_half(k, cost):
    assert HalvingConfig().expected_cost(k) == pytest.approx(cost)
    assert HalvingConfig.full_budget().expected_cost(k) == k


@pytest.mark.parametrize(("k", "cost"), [(4, 2.5), (6, 3.25), (8, 4.0)])
def test_min_keep_two_takes_two_leaders_to_the_end(k, cost):
    config = HalvingConfig(min_keep=2)
    assert config.expected_cost(k) == pytest.approx(cost)
    assert config.n_keep(3) == 2 and config.n_keep(2) == 2


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"rungs": (0.5, 0.25, 1.0)}, "increase"),
    ({"rungs": (0.25, 0.5)}, "last rung must be 1.0"),
    ({"rungs": (0.0, 1.0)}, r"in \(0, 1\]"),
    ({"eta": 1.0}, "eta must be > 1"),
    ({"min_keep": 0}, "min_keep"),
    ({"window": 0}, "window must be"),
    ({"window": 2.5}, "window must be"),
])
def test_bad_config_says_what_is_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HalvingConfig(**kwargs)


def entries(*fitness, failed=()):
    return [RungEntry(f"c{i}", i, f, [f] if f is not None else [], failed=i in failed)
            for i, f in enumerate(fitness)]


def test_rank_by_fitness_failed_last():
    ranked = rank_entries(entries(0.2, 0.9, None, 0.5, 0.99, failed=(4,)))
    assert ranked == ["c1", "c3", "c0", "c2", "c4"]


def test_nan_fitness_is_never_ranked_above_a_number():
    assert rank_entries(entries(math.nan, -5.0)) == ["c1", "c0"]


def curve(cid, index, *values):
    """An entry whose fitness is its curve's last evaluation (what the evaluator builds)."""
    return RungEntry(cid, index, values[-1], list(values))


def test_a_steady_candidate_beats_one_lucky_final_evaluation():
    lucky = curve("lucky", 0, 0.1, 0.1, 0.9)
    steady = curve("steady", 1, 0.6, 0.65, 0.7)
    assert rung_score(lucky) == pytest.approx(1.1 / 3)
    assert rung_score(steady) == pytest.approx(0.65)
    assert rank_entries([lucky, steady]) == ["steady", "lucky"]
    assert promote([lucky, steady], HalvingConfig()) == (["steady"], ["lucky"])
    # window=1 is the old rule (the last evaluation alone): the lucky one would go on.
    assert rank_entries([lucky, steady], window=1) == ["lucky", "steady"]
    assert promote([lucky, steady], HalvingConfig(window=1)) == (["lucky"], ["steady"])


def test_only_the_last_window_evaluations_count():
    # An early bad start does not hold back a candidate that has been good for a while.
    slow_start = curve("slow", 0, 0.0, 0.0, 0.9, 0.9, 0.9)
    assert rung_score(slow_start) == pytest.approx(0.9)
    assert rung_score(slow_start, window=5) == pytest.approx(0.54)


def test_short_curves_are_averaged_whole_and_no_curve_scores_the_fitness():
    assert rung_score(curve("a", 0, 0.2, 0.4)) == pytest.approx(0.3)
    assert rung_score(curve("b", 0, 0.7)) == pytest.approx(0.7)
    assert rung_score(RungEntry("c", 0, 0.5)) == 0.5


def test_non_finite_evaluations_are_skipped():
    e = RungEntry("a", 0, 0.8, [0.2, math.nan, 0.4, math.inf, None, 0.8])
    assert rung_score(e) == pytest.approx((0.2 + 0.4 + 0.8) / 3)
    only_nan = RungEntry("b", 1, 0.3, [math.nan, -math.inf])
    assert rung_score(only_nan) == 0.3
    assert rank_entries([only_nan, e]) == ["a", "b"]


def test_unscored_entries_have_no_score_and_still_come_last():
    assert rung_score(RungEntry("a", 0, None, [0.9, 0.9])) is None
    assert rung_score(RungEntry("b", 1, 0.9, [0.9], failed=True)) is None
    assert rung_score(RungEntry("c", 2, math.nan, [0.9])) is None
    es = [RungEntry("a", 0, None, [0.9, 0.9]), RungEntry("b", 1, 0.9, [0.9], failed=True),
          curve("c", 2, 0.1)]
    assert rank_entries(es) == ["c", "a", "b"]
    assert promote(es, HalvingConfig()) == (["c"], ["a"])


def test_equal_scores_go_to_the_higher_final_fitness():
    rising = curve("rising", 0, 0.4, 0.5, 0.6)  # score 0.5
    falling = curve("falling", 1, 0.6, 0.5, 0.4)  # score 0.5
    assert rank_entries([falling, rising]) == ["rising", "falling"]


def test_ties_go_to_the_faster_learner_then_to_the_first():
    # Same score over the window (1.0), same fitness: the one that got there sooner wins.
    a = RungEntry("a", 0, 1.0, [0.1, 0.2, 1.0, 1.0, 1.0])
    b = RungEntry("b", 1, 1.0, [0.8, 1.0, 1.0, 1.0, 1.0])
    c = RungEntry("c", 2, 1.0, [0.8, 1.0, 1.0, 1.0, 1.0])
    assert rank_entries([a, b, c]) == ["b", "c", "a"]


def test_bad_window_says_what_is_wrong():
    with pytest.raises(ValueError, match="window must be >= 1"):
        rung_score(curve("a", 0, 0.5), window=0)


def test_promote_keeps_top_half_and_never_a_failed_one():
    promoted, stopped = promote(entries(0.1, 0.4, 0.3, 0.9), HalvingConfig())
    assert promoted == ["c3", "c1"] and stopped == ["c2", "c0"]
    # A failed candidate counts as an entrant, but never takes a place.
    promoted, stopped = promote(entries(0.1, 0.4, 0.3, 0.9, failed=(3,)), HalvingConfig())
    assert promoted == ["c1", "c2"] and stopped == ["c0"]
    promoted, stopped = promote(entries(None, None, failed=(0, 1)), HalvingConfig())
    assert promoted == [] and stopped == []


def test_candidates_tied_at_the_cut_all_go_on():
    # A measure that pays only near the goal: every candidate still at 0 at the first rung.
    # Nothing but list position tells them apart, so none is stopped.
    promoted, stopped = promote([curve(f"c{i}", i, 0.0, 0.0) for i in range(4)],
                                HalvingConfig())
    assert promoted == ["c0", "c1", "c2", "c3"] and stopped == []
    # Only those tied with the last one kept: the leader alone is not a tie.
    promoted, stopped = promote([curve("c0", 0, 0.0, 0.0), curve("c1", 1, 0.0, 0.2),
                                 curve("c2", 2, 0.0, 0.0), curve("c3", 3, 0.0, 0.0)],
                                HalvingConfig())
    assert promoted == ["c1", "c0", "c2", "c3"] and stopped == []
    promoted, stopped = promote([curve("c0", 0, 0.0, 0.0), curve("c1", 1, 0.0, 0.2),
                                 curve("c2", 2, 0.0, 0.3), curve("c3", 3, 0.0, 0.0)],
                                HalvingConfig())
    assert promoted == ["c2", "c1"] and stopped == ["c0", "c3"]
    # Equal scores that the final fitness or the curve tells apart are not ties.
    promoted, _ = promote([curve("a", 0, 0.4, 0.5, 0.6), curve("b", 1, 0.6, 0.5, 0.4),
                           curve("c", 2, 0.1, 0.1)], HalvingConfig(min_keep=1))
    assert promoted == ["a"]


def test_a_preference_ranking_has_no_ties_to_keep():
    ranked = promote([curve(f"c{i}", i, 0.0) for i in range(4)], HalvingConfig(),
                     rank_fn=lambda live: [e.id for e in reversed(live)])
    assert ranked == (["c3", "c2"], ["c1", "c0"])


def test_never_ranked_by_own_return():
    # Candidate 0 collects a huge return of its own reward but does worse at the task.
    a = RungEntry("a", 0, 0.1, info={"reward_return": 1e6})
    b = RungEntry("b", 1, 0.2, info={"reward_return": 1.0})
    assert rank_entries([a, b]) == ["b", "a"]


def test_preference_ranking_replaces_fitness():
    calls = []

    def prefer_last(live):
        calls.append([e.id for e in live])
        return [e.id for e in reversed(live)]

    es = entries(None, None, None, failed=(1,))
    assert rank_entries(es, prefer_last) == ["c2", "c0", "c1"]
    assert calls == [["c0", "c2"]]
    promoted, stopped = promote(es, HalvingConfig(), prefer_last)
    assert promoted == ["c2"] and stopped == ["c0"]


def test_preference_ranking_must_be_a_permutation():
    with pytest.raises(ValueError, match="exactly once"):
        rank_entries(entries(None, None), lambda live: ["c0"])


def test_order_from_best_worst():
    assert order_from_best_worst(["a", "b", "c", "d"], "c", "a") == ["c", "b", "d", "a"]
    assert order_from_best_worst(["a"], "a", "a") == ["a"]


def test_planned_entrants_follow_n_keep_per_rung():
    assert HalvingConfig().planned_entrants(4) == [4, 2, 1]
    assert HalvingConfig(min_keep=2).planned_entrants(6) == [6, 3, 2]
    assert HalvingConfig.full_budget().planned_entrants(5) == [5]
