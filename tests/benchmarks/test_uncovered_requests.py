"""The held-out benchmark's cases (benchmarks/bench_uncovered_requests.py), without training.

Its score means something only if every request is really held out (no built-in task's fitness
measures it), the offline designer can write both a success measure and a reward for it (else
the run would stop before training), and each independent check tells the behaviour apart: it
fails on uniform random actions, passes a body posed as asked and fails one posed otherwise.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_uncovered_requests import (
    CASES,
    CHECK_EPISODES,
    HORIZON,
    _heights,
    check_on_random,
    check_record,
    checks_digest,
    hopper_crouch_check,
    hopper_slowly_check,
    parse_args,
    results_name,
    save_partial,
    select_cases,
    summarize,
    walker_1ms_check,
    walker_backwards_slowly_check,
    walker_crouch_check,
    walker_one_leg_check,
)

from rewardsmith.designers.offline.designer import OfflineDesigner
from rewardsmith.designers.offline.success_measure import compose_success_measure
from rewardsmith.envs.registry import get_description
from rewardsmith.envs.task_resolution import resolve_task

CHEAP_ENVS = {"HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "InvertedPendulum-v5"}
NAMES = [c["name"] for c in CASES]
_GEOMS = {"Walker2d-v5": ("torso_geom", "thigh_geom", "leg_geom", "foot_geom", "thigh_left_geom",
                          "leg_left_geom", "foot_left_geom"),
          "Hopper-v5": ("torso_geom", "thigh_geom", "leg_geom", "foot_geom")}


def _case(name: str) -> dict:
    return next(c for c in CASES if c["name"] == name)


def _posed(env_id: str, qpos: list[float]) -> np.ndarray:
    """A whole episode holding one pose, lowered until its lowest point touches the floor."""
    q = np.array(qpos, dtype=float)
    q[1] -= _heights(env_id, q[None], lowest=_GEOMS[env_id]).min()
    return np.repeat(q[None], HORIZON, axis=0)


def _moving(vx: float, n_joints: int, length: int = HORIZON) -> tuple:
    """An episode of ``length`` steps moving upright along x at ``vx``."""
    qpos = np.zeros((length, n_joints))
    qpos[:, 1] = 1.2
    qvel = np.zeros((length, n_joints))
    qvel[:, 0] = vx
    return qpos, qvel, length


def test_there_are_at_least_ten_cases_with_distinct_names_and_texts():
    assert len(CASES) >= 10
    assert len(set(NAMES)) == len(CASES)
    assert len({c["text"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_every_request_is_held_out_and_the_offline_designer_can_express_it(case):
    resolved = resolve_task(case["text"])
    assert resolved.task is None, f"{case['text']!r} resolves to built-in {resolved.task.id}"
    assert resolved.env_id in CHEAP_ENVS
    description = get_description(resolved.env_id)
    measure = compose_success_measure(case["text"], description)  # raises when refused
    assert "def compute_fitness" in measure.source and 0 < measure.threshold <= 1
    proposals = OfflineDesigner().propose(case["text"], description, 1)  # raises when refused
    assert "def compute_reward" in proposals[0].source


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_every_check_fails_on_random_actions(case):
    passed, details = check_on_random(case)
    assert passed == 0, details
    assert len(details) == CHECK_EPISODES


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_every_check_says_its_criterion_with_numbers(case):
    doc = case["check"].__doc__ or ""
    assert any(ch.isdigit() for ch in doc), f"{case['check'].__name__} states no numbers"


def test_crouch_checks_pass_a_crouch_and_fail_standing_and_kneeling():
    # Torso leaning back 0.8 rad (the hips cannot flex forward of it), thighs forward in the
    # world, knees bent 1.6 rad: a crouch on the feet.
    crouch = _posed("Walker2d-v5", [0, 1.25, -0.8, 0, -1.6, 0.8, 0, -1.6, 0.8])
    stand = _posed("Walker2d-v5", [0] * 9)
    kneel = _posed("Walker2d-v5", [0, 1.25, 0, 0, -2.2, 0, 0, -2.2, 0])  # knees on the floor
    assert walker_crouch_check(crouch, None, HORIZON)[0]
    assert not walker_crouch_check(stand, None, HORIZON)[0]
    assert not walker_crouch_check(kneel, None, HORIZON)[0]
    assert hopper_crouch_check(_posed("Hopper-v5", [0, 1.25, -0.8, 0, -1.6, 0.8]), None,
                               HORIZON)[0]
    assert not hopper_crouch_check(_posed("Hopper-v5", [0] * 6), None, HORIZON)[0]
    lying = _posed("Walker2d-v5", [0, 1.25, 1.57, 0, -1.6, 0, 0, -1.6, 0])
    assert not walker_crouch_check(lying, None, HORIZON)[0]


def test_crouch_held_for_too_little_of_the_episode_fails():
    crouch = _posed("Walker2d-v5", [0, 1.25, -0.8, 0, -1.6, 0.8, 0, -1.6, 0.8])
    stand = _posed("Walker2d-v5", [0] * 9)
    half = np.concatenate([stand[:HORIZON // 2], crouch[:HORIZON // 2]])
    ok, details = walker_crouch_check(half, None, HORIZON)
    assert not ok and "50%" in details


def test_one_leg_check_passes_one_foot_lifted_and_fails_both_down_or_a_fall():
    left_knee_bent = _posed("Walker2d-v5", [0, 1.25, 0, 0, 0, 0, 0, -1.2, 0])
    both_down = _posed("Walker2d-v5", [0] * 9)
    zeros = np.zeros((HORIZON, 9))
    assert walker_one_leg_check(left_knee_bent, zeros, HORIZON)[0]
    assert not walker_one_leg_check(both_down, zeros, HORIZON)[0]
    assert not walker_one_leg_check(left_knee_bent[:300], zeros[:300], 300)[0]
    walked_off = left_knee_bent.copy()
    walked_off[:, 0] = np.linspace(0, 2, HORIZON)
    assert not walker_one_leg_check(walked_off, zeros, HORIZON)[0]


@pytest.mark.parametrize(("check", "n", "good", "bad"), [
    (hopper_slowly_check, 6, 0.4, [1.5, 0.05, -0.4]),
    (walker_1ms_check, 9, 1.0, [0.4, 2.0, -1.0]),
    (walker_backwards_slowly_check, 9, -0.4, [0.4, -1.5, -0.05]),
])
def test_speed_checks_pass_the_asked_pace_only_over_a_whole_episode(check, n, good, bad):
    assert check(*_moving(good, n))[0]
    assert not check(*_moving(good, n, length=400))[0]  # fell after 400 steps
    for v in bad:
        assert not check(*_moving(v, n))[0], v


def test_cheetah_at_3ms_passes_at_3_and_fails_at_the_trot_or_upside_down():
    check = _case("cheetah-3ms")["check"]
    qpos, qvel, length = _moving(3.0, 9)
    qpos[:, 1] = 0.0
    assert check(qpos, qvel, length)[0]
    assert not check(*_moving(1.0, 9))[0]
    qpos[:, 2] = np.pi  # on its back
    assert not check(qpos, qvel, length)[0]
    qpos[:, 2] = 2 * np.pi  # tumbled once, upright again
    assert check(qpos, qvel, length)[0]


def test_the_record_keeps_each_checks_source_and_the_digest_shows_an_edit():
    record = check_record(CASES[0])
    assert record["check"] == CASES[0]["check"].__name__
    assert record["check_source"].startswith("def ")
    assert record["check_sha256"] == hashlib.sha256(record["check_source"].encode()).hexdigest()
    edited = [dict(CASES[0], check=walker_1ms_check), *CASES[1:]]
    assert checks_digest(edited) != checks_digest(CASES)
    assert checks_digest(list(CASES)) == checks_digest(CASES)


def test_cases_are_chosen_by_name_all_by_default_and_an_unknown_name_is_an_error():
    assert [c["name"] for c in select_cases(None)] == NAMES
    assert [c["name"] for c in select_cases(["walker-crouch", "trot"])] == ["trot",
                                                                           "walker-crouch"]
    with pytest.raises(SystemExit, match="unknown case nope; known cases: trot"):
        select_cases(["nope"])
    args = parse_args(["--cases", "trot", "hopper-crouch", "--steps", "4096"])
    assert args.cases == ["trot", "hopper-crouch"] and args.steps == 4096
    assert parse_args([]).cases is None


def test_a_subset_never_overwrites_the_full_results_file():
    assert results_name(NAMES, False) == "uncovered_requests"
    assert results_name(["trot"], False) == "uncovered_requests-trot"
    assert results_name(NAMES[:5], False) == "uncovered_requests-subset"
    assert results_name(NAMES, True) == "uncovered_requests_fake_llm"


def test_summary_counts_successes_agreement_and_wall_time():
    results = [
        {"name": "a", "check_success": True, "success": True, "wall_s": 100.0},
        {"name": "b", "check_success": True, "success": False, "wall_s": 300.0},
        {"name": "c", "check_success": False, "success": False, "wall_s": 200.0},
        {"name": "d", "error": "refused", "wall_s": 1.0},
    ]
    summary = summarize(results, {"steps": 4096}, CASES)
    assert summary["success_by_independent_check"] == "2/4"
    assert summary["success_by_run_measure"] == "1/4"
    assert summary["check_and_run_agree"] == "3/4"
    assert summary["errors"] == ["d"]
    assert summary["wall_total_s"] == 601.0 and summary["wall_median_s"] == 150.0
    assert summary["settings"] == {"steps": 4096}
    assert summary["checks_sha256"] == checks_digest(CASES)


def test_each_finished_case_is_saved_before_the_next_starts(tmp_path, monkeypatch):
    # A run of hours stopped part-way (a session's end, Ctrl-C) keeps the cases it finished.
    import bench_uncovered_requests as bench

    monkeypatch.setattr(bench, "partial_path", lambda name: tmp_path / f"{name}.partial.json")
    done = [{"name": "trot", "check_success": True, "success": True, "wall_s": 348.0}]
    save_partial("uncovered_requests", done, {"steps": 150000})
    saved = json.loads((tmp_path / "uncovered_requests.partial.json").read_text())
    assert saved["partial"] is True and saved["results"] == done
    assert saved["summary"]["success_by_independent_check"] == "1/1"


def test_the_table_keeps_each_requests_latest_result_and_counts_shaped_ones_apart(tmp_path,
                                                                                 monkeypatch):
    import common
    from table_uncovered_requests import SHAPED_BY, main, read_results

    def piece(name, *results, settings=None):
        path = tmp_path / name
        path.write_text(json.dumps({"summary": {"settings": settings or {}}, "results": [
            {"name": n, "check_success": ok, "check_passed": f"{5 * ok}/5", "commit": c}
            for n, ok, c in results]}))
        return path

    first = piece("a.json", ("trot", True, "aaa"), ("cheetah-3ms", False, "aaa"),
                  settings={"steps": 150_000, "iterations": 2})
    later = piece("b.partial.json", ("cheetah-3ms", True, "bbb"), ("walker-one-leg", False, "bbb"),
                  settings={"iterations": 1})
    latest = read_results([first, later])
    assert latest["cheetah-3ms"]["commit"] == "bbb" and latest["trot"]["commit"] == "aaa"
    assert "cheetah-3ms" in SHAPED_BY and "trot" not in SHAPED_BY
    monkeypatch.setattr(common, "RESULTS", tmp_path / "results")
    main([str(first), str(later)])
    table = json.loads((tmp_path / "results" / "uncovered_requests_table.json").read_text())
    budgets = {row[0]: row[-2] for row in table["rows"]}  # each row says how it was run
    assert budgets == {"trot": "150,000 steps, 2 iteration(s) at most",
                       "cheetah-3ms": "default steps, 1 iteration(s) at most",
                       "walker-one-leg": "default steps, 1 iteration(s) at most"}
    summary = table["summary"]
    assert summary["success_by_independent_check"] == "2/3"
    assert summary["held_out_success"] == "1/2"  # trot yes, walker-one-leg no
    assert summary["no_longer_held_out_success"] == "1/1"  # cheetah-3ms, shaped by its failure


def test_a_resumed_runs_wall_time_leaves_out_the_time_it_sat_stopped(tmp_path):
    from bench_uncovered_requests import _wall_of

    (tmp_path / "run.json").write_text(json.dumps({"started_at": 1000.0}))
    for i, times in enumerate([(1010.0, 1200.0), (5000.0, 5300.0)]):  # stopped ~1 h between
        folder = tmp_path / f"iter_{i}"
        folder.mkdir()
        folder.joinpath("events.log").write_text(
            "".join(json.dumps({"t": t, "event": "x"}) + "\n" for t in times))
    assert _wall_of(tmp_path) == 10.0 + 190.0 + 300.0
