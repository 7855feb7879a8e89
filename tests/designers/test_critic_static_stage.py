"""The critic's static stage is the sandbox runner's check, run once per candidate.

The runner is the gate nothing reaches the worker without; the critic and the smoke test use its
verdict rather than checking again, and a rejected program costs no recorded transitions.
"""

from __future__ import annotations

import pytest

import rewardsmith.designers.critic as critic_module
import rewardsmith.sandbox.runner as runner
import rewardsmith.sandbox.smoke_test as smoke_test
import rewardsmith.sandbox.static_check as static_check
from rewardsmith.designers.critic import Critic
from rewardsmith.sandbox.isolation import detect_isolation_layers
from rewardsmith.sandbox.static_check import RewardCheckError, check_source

isolated = pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                              reason="no network isolation here")
GOOD = '''import numpy as np


def compute_reward(state, action, next_state):
    upright = 1.0 - np.abs(next_state.pole_angle)
    return upright, {"upright": upright}
'''
BAD = '''import os


def compute_reward(state, action, next_state):
    return os.getpid(), {}
'''


@pytest.fixture
def check_calls(monkeypatch) -> list[str]:
    """Count check_source calls wherever a module of the check path could call it from."""
    calls: list[str] = []

    def counting(source: str, entry: str = "compute_reward"):
        calls.append(source)
        return check_source(source, entry)

    for module in (critic_module, smoke_test, runner, static_check):
        monkeypatch.setattr(module, "check_source", counting, raising=False)
    return calls


def _check(source: str, tmp_path):
    return Critic("InvertedPendulum-v5").check(source, tmp_path / "smoke", "balance the pole",
                                                "", "candidate-0")


@isolated
def test_a_good_program_is_statically_checked_once_and_passes(tmp_path, check_calls):
    verdict = _check(GOOD, tmp_path)
    assert verdict.accepted and verdict.stage == "passed", verdict.message
    assert check_calls == [GOOD]


def test_a_bad_program_is_statically_checked_once_and_rejected_at_the_static_stage(
        tmp_path, check_calls, monkeypatch):
    def no_recording(*args, **kwargs):
        raise AssertionError("transitions were recorded for a statically rejected program")

    def no_popen(*args, **kwargs):
        raise AssertionError("a process was started for a statically rejected program")

    monkeypatch.setattr(smoke_test, "record_smoke_inputs", no_recording)
    monkeypatch.setattr(runner.subprocess, "Popen", no_popen)
    verdict = _check(BAD, tmp_path)
    assert check_calls == [BAD]
    assert not verdict.accepted and verdict.stage == "static"
    assert verdict.message == str(RewardCheckError(check_source(BAD)))
    assert "line 1 [import]" in verdict.message and verdict.smoke is None


def test_the_runner_prepares_inputs_only_for_a_program_that_passed_the_static_check(tmp_path):
    prepared = []
    result = runner.run_sandboxed("smoke", BAD, {}, tmp_path,
                                  prepare_inputs=lambda job_dir: prepared.append(job_dir) or {})
    assert result.error_kind == "static" and not result.ok
    assert prepared == [] and not (tmp_path / "reward.py").exists()


def test_the_smoke_test_records_no_transitions_for_a_statically_rejected_program(
        tmp_path, monkeypatch):
    monkeypatch.setattr(smoke_test, "record_smoke_inputs",
                        lambda *a, **k: pytest.fail("transitions were recorded"))
    result = smoke_test.run_smoke_test(BAD, "InvertedPendulum-v5", tmp_path)
    assert result.error_kind == "static" and "line 1 [import]" in result.error
    assert list(tmp_path.iterdir()) == []
