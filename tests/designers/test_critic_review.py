"""The LLM review parser: any reply becomes a verdict or None (accepted by the critic), never an
exception, and what goes back to the designer stays short."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest

from rewardsmith.designers.critic import (
    MAX_REASONS,
    MAX_REVIEW_CHARS,
    Critic,
    Verdict,
    parse_review,
)
from rewardsmith.sandbox.isolation import detect_isolation_layers

isolated = pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                              reason="no network isolation here")
GOOD = '''import numpy as np


def compute_reward(state, action, next_state):
    upright = 1.0 - np.abs(next_state.pole_angle)
    return upright, {"upright": upright}
'''


def reply(**fields) -> str:
    return json.dumps(fields)


def test_an_accept_verdict_is_read_with_its_reasons_and_fix():
    text = reply(verdict="accept", reasons=["signs are right", "scales match"], fix="")
    assert parse_review(text) == (True, ["signs are right", "scales match"], "")


def test_a_reject_verdict_is_read_with_its_reasons_and_fix():
    text = reply(verdict="reject", reasons=["rewards moving forward"], fix="negate the velocity")
    assert parse_review(text) == (False, ["rewards moving forward"], "negate the velocity")


@pytest.mark.parametrize("word", ["Accept", " ACCEPT ", "accept"])
def test_the_verdict_word_is_read_regardless_of_case_and_spaces(word):
    assert parse_review(reply(verdict=word, reasons=[]))[0] is True


def test_a_verdict_inside_a_code_fence_with_prose_around_it_is_read():
    text = ("Here is my review.\n```json\n"
            + reply(verdict="reject", reasons=["too small"], fix="scale it up")
            + "\n```\nHope this helps {really}.")
    assert parse_review(text) == (False, ["too small"], "scale it up")


def test_braces_in_prose_before_the_verdict_do_not_hide_it():
    text = "The term {x} and {\"not\": \"a verdict\"} look odd. " + reply(verdict="reject",
                                                                          reasons=["odd"])
    assert parse_review(text) == (False, ["odd"], "")


def test_a_verdict_nested_in_another_object_is_found():
    assert parse_review(json.dumps({"review": {"verdict": "accept"}})) == (True, [], "")


@pytest.mark.parametrize("text", [
    "", "looks good to me", "{", "}{", "{not json}", "[\"accept\"]", "null",
    reply(reasons=["no verdict key"]),
    reply(verdict="maybe", reasons=["unsure"]),
    reply(verdict=True),
    reply(verdict=None),
    reply(verdict=["accept"]),
])
def test_a_reply_without_a_readable_verdict_is_none(text):
    assert parse_review(text) is None


@pytest.mark.parametrize(("reasons", "expected"), [
    (None, []),
    ("the sign is wrong", ["the sign is wrong"]),
    (42, []),
    ({"sign": "wrong"}, []),
    (["ok", None, "", "   ", 3], ["ok", "3"]),
])
def test_reasons_that_are_null_a_string_or_not_a_list_give_a_verdict_not_an_exception(reasons,
                                                                                         expected):
    assert parse_review(reply(verdict="reject", reasons=reasons)) == (False, expected, "")


def test_missing_reasons_and_fix_are_empty():
    assert parse_review(reply(verdict="reject")) == (False, [], "")


@pytest.mark.parametrize(("fix", "expected"), [(None, ""), (7, "7"), ("  trim me  ", "trim me")])
def test_the_fix_is_a_string_whatever_the_reply_put_there(fix, expected):
    assert parse_review(reply(verdict="reject", fix=fix))[2] == expected


def test_a_huge_review_is_clipped_before_it_reaches_the_designer():
    text = reply(verdict="reject", reasons=["x" * 100_000] * 1_000, fix="y" * 100_000)
    accepted, reasons, fix = parse_review(text)
    assert not accepted and len(reasons) == MAX_REASONS
    assert all(len(r) == MAX_REVIEW_CHARS and r.endswith("...") for r in reasons)
    assert len(fix) == MAX_REVIEW_CHARS


@pytest.mark.parametrize("text", [
    "x" * 5_000_000 + reply(verdict="accept"),
    "{" * 1_000_000,
    "[" * 1_000_000 + reply(verdict="reject"),
    '{"a":' * 200_000 + reply(verdict="reject"),
    '{"verdict": "accept", "reasons": ' + "[" * 200_000,
])
def test_huge_or_deeply_nested_replies_give_an_answer_quickly_and_never_raise(text):
    start = time.perf_counter()
    result = parse_review(text)
    assert result is None or isinstance(result, tuple)
    assert time.perf_counter() - start < 5.0


class _FakeLLM:
    """Stands in for the LLM client: returns a fixed reply to the critic's review request."""

    def __init__(self, text: str):
        self.text, self.calls = text, 0

    def chat(self, messages, **kwargs):
        self.calls += 1
        assert kwargs["purpose"] == "critic"
        return SimpleNamespace(texts=[self.text])


def _review(text: str, tmp_path) -> Verdict:
    critic = Critic("InvertedPendulum-v5", client=_FakeLLM(text))
    return critic.check(GOOD, tmp_path / "smoke", "balance the pole", "", "candidate-0")


@isolated
def test_a_rejection_with_null_reasons_is_a_review_rejection_that_says_no_reason_was_given(
        tmp_path):
    verdict = _review(reply(verdict="reject", reasons=None, fix="use the pole angle"), tmp_path)
    assert not verdict.accepted and verdict.stage == "review"
    assert verdict.message == ("A reviewer rejected this reward: no reason given. "
                               "Suggested fix: use the pole angle")


@isolated
def test_an_unreadable_review_reply_does_not_block_training(tmp_path):
    verdict = _review("I think it is fine, mostly.", tmp_path)
    assert verdict.accepted and verdict.stage == "passed" and verdict.message == ""
    assert "no readable JSON verdict" in verdict.reasons[0]
