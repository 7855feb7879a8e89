"""No bad reply stops a run: broken answers, hangs and resets against the real fake server.

Every fault of :data:`rewardsmith.testing.fake_openai.BROKEN_REPLIES` is retried with backoff,
each attempt lands in the call's record, and in the end one :class:`LLMError` names the
endpoint, the fault and the fix. Timeouts are short so the file runs in seconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rewardsmith.designers.base import DesignRequest, Draft
from rewardsmith.designers.llm import LLMDesigner
from rewardsmith.envs.registry import get_description
from rewardsmith.llm import LLMClient, LLMConfig, LLMConfigError, LLMError
from rewardsmith.safe_files import write_json
from rewardsmith.testing.fake_openai import BROKEN_REPLIES, FakeOpenAIServer, Rule

pytestmark = pytest.mark.timeout(60)

MESSAGES = [{"role": "user", "content": "Make the pendulum balance."}]

# fault injected -> (the error's fault name, words of the message that say what and how to fix)
EXPECTED = {
    "truncated": ("not_json", ("not valid JSON", "cut off", "check the server's logs")),
    "html": ("html", ("HTML page", "--base-url", "/v1")),
    "null_choices": ("no_choices", ("without any choices", "--model")),
    "null_message": ("no_message", ("no message", "--base-url")),
    "null_content": ("no_content", ("content is null", "--model")),
    "reset": ("connection", ("Could not connect", "reset", "--base-url")),
    "cut_off": ("cut_off", ("closed the connection", "check that it is running")),
    "drip": ("body_timeout", ("did not finish sending", "--timeout")),
}


def config(srv: FakeOpenAIServer, **kwargs) -> LLMConfig:
    """Fast retries and a short timeout, aimed at the fake server."""
    values = {"model": "fake-model", "base_url": srv.base_url, "api_key": "sk-test",
              "timeout_s": 0.5, "max_retries": 2, "backoff_base_s": 0.01,
              "backoff_max_s": 0.02}
    return LLMConfig(**{**values, **kwargs})


def records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_every_broken_reply_kind_has_an_expectation():
    assert set(EXPECTED) == set(BROKEN_REPLIES)


@pytest.mark.parametrize("kind", sorted(BROKEN_REPLIES))
def test_one_broken_reply_is_retried_and_the_attempt_is_recorded(kind, tmp_path):
    with FakeOpenAIServer(default_reply="good reply") as srv:
        srv.break_next(1, kind)
        client = LLMClient(config(srv), tmp_path)
        reply = client.chat(MESSAGES)
        assert len(srv.chat_requests) == 2
    assert reply.texts == ["good reply"]
    assert client.totals.retries == 1 and client.totals.failures == 0
    (record,) = records(tmp_path)
    first, second = record["attempts"]
    assert first["outcome"] == EXPECTED[kind][0] and first["retry_in_s"] is not None
    assert first["error"] and "\x1b" not in first["error"]
    assert second["outcome"] == "ok" and second["n_returned"] == 1
    assert record["status"] == "ok" and record["texts"] == ["good reply"]


@pytest.mark.parametrize("kind", sorted(BROKEN_REPLIES))
def test_a_reply_broken_every_time_ends_in_one_clear_error(kind, tmp_path):
    with FakeOpenAIServer(default_reply="never seen") as srv:
        srv.break_next(100, kind)
        client = LLMClient(config(srv), tmp_path)
        t0 = time.monotonic()
        with pytest.raises(LLMError) as info:
            client.chat(MESSAGES)
        took = time.monotonic() - t0
        sent = len(srv.chat_requests)
        endpoint = srv.base_url
    fault, words = EXPECTED[kind]
    error = info.value
    assert error.fault == fault, str(error)
    assert endpoint in str(error) and "fake-model" in str(error)
    assert all(w in str(error) for w in words), str(error)
    # a drip is a timeout: retried once (timeout_retries=1); the rest use all max_retries
    expected_attempts = 2 if kind == "drip" else 3
    assert error.attempts == expected_attempts == sent
    assert f"{expected_attempts} attempts in" in str(error)
    assert took < 5
    (record,) = records(tmp_path)
    assert record["status"] == "error" and record["error"] == str(error)
    assert [a["outcome"] for a in record["attempts"]] == [fault] * expected_attempts
    assert record["attempts"][-1]["retry_in_s"] is None  # the last one gave up


def test_a_hanging_endpoint_fails_in_seconds_and_names_the_timeout_flag(tmp_path):
    with FakeOpenAIServer(default_reply="late") as srv:
        srv.delay_next(100, seconds=20.0)  # bounded: the server's stop wakes it
        client = LLMClient(config(srv, timeout_s=0.3, max_retries=4, timeout_retries=1),
                           tmp_path)
        t0 = time.monotonic()
        with pytest.raises(LLMError, match=r"did not answer within 0\.3 s \(2 attempts in") as info:
            client.chat(MESSAGES)
        took = time.monotonic() - t0
    # 4 retries are allowed for other faults, but a hung server is tried twice, not five times
    assert info.value.fault == "timeout" and info.value.attempts == 2
    assert "--timeout" in str(info.value)
    assert took < 3
    (record,) = records(tmp_path)
    assert [a["outcome"] for a in record["attempts"]] == ["timeout", "timeout"]


def test_faults_mixed_with_a_500_are_retried_until_a_good_reply(tmp_path):
    with FakeOpenAIServer(default_reply="finally") as srv:
        srv.break_next(1, "html")
        srv.fail_next(1, status=503)
        srv.break_next(1, "null_content")
        client = LLMClient(config(srv, max_retries=3), tmp_path)
        assert client.chat(MESSAGES).texts == ["finally"]
    (record,) = records(tmp_path)
    assert [a["outcome"] for a in record["attempts"]] == ["html", "http_503", "no_content", "ok"]


def test_tokens_a_broken_reply_reported_are_counted(tmp_path):
    # null_content still carries the server's usage: a real endpoint bills such a reply
    with FakeOpenAIServer(default_reply="fine") as srv:
        srv.break_next(1, "null_content")
        client = LLMClient(config(srv), tmp_path)
        reply = client.chat(MESSAGES)
    (record,) = records(tmp_path)
    broken = record["attempts"][0]
    assert broken["prompt_tokens"] > 0 and broken["completion_tokens"] > 0
    good = record["http_calls"][0]
    assert record["usage"]["total_tokens"] == good["prompt_tokens"] + \
        good["completion_tokens"] + broken["prompt_tokens"] + broken["completion_tokens"]
    assert reply.usage.total_tokens == client.totals.total_tokens == \
        record["usage"]["total_tokens"]


def test_a_5_mb_reply_is_cut_where_it_enters_and_the_cut_is_recorded(tmp_path):
    huge = "```python\n" + "x = 1\n" * 900_000 + "```"  # 5.4 MB
    with FakeOpenAIServer([Rule(huge)]) as srv:
        client = LLMClient(config(srv, max_reply_chars=50_000, timeout_s=10), tmp_path)
        reply = client.chat(MESSAGES)
    assert len(reply.text) == 50_000 and reply.text == huge[:50_000]
    assert any("5,400,013 characters" in note and "max_reply_chars" in note
               for note in reply.notes), reply.notes
    (record,) = records(tmp_path)
    assert record["http_calls"][0]["truncated_choices"] == [{"choice": 0, "chars": len(huge)}]
    assert len(record["texts"][0]) == 50_000


def test_a_repair_after_a_5_mb_reply_sends_megabytes_back_never(tmp_path):
    huge = "```python\n" + "x = 1\n" * 900_000 + "```"
    with FakeOpenAIServer([Rule(huge)], cycle=True) as srv:
        client = LLMClient(config(srv, max_reply_chars=50_000, timeout_s=10), tmp_path)
        designer = LLMDesigner(client)
        draft = Draft(None, reply=client.chat(MESSAGES).text, error="no compute_reward")
        request = _request()
        designer.repair(draft, "no compute_reward", request, attempt=0, key="iter0/cand_0")
        repair_body = json.dumps(srv.chat_requests[-1].body)
    # the reply goes back as the assistant turn and as the source in the repair prompt: both
    # are the cut text, so the request stays near 2 x 50 kB instead of 2 x 5.4 MB
    assert len(repair_body) < 200_000


def test_a_reply_with_a_lone_surrogate_becomes_writable_text(tmp_path):
    with FakeOpenAIServer([Rule("return '\ud800' here")]) as srv:
        client = LLMClient(config(srv), tmp_path)
        reply = client.chat(MESSAGES)
    assert reply.text == "return '\ufffd' here"
    reply.text.encode("utf-8")  # a reward.py with it can be written


def test_damaged_records_do_not_stop_a_resume_they_are_asked_again(tmp_path):
    good = {"status": "ok", "cache_key": "k" * 64, "texts": None, "usage": {"prompt_tokens":
            "many"}, "cost_usd": "free", "request": {"n": 1}}
    write_json(tmp_path / "00000_designer_kkkkkkkk.json", good)
    write_json(tmp_path / "00001_designer_list.json", ["not", "a", "record"])
    (tmp_path / "00002_designer_binary.json").write_bytes(b"\xff\x00")
    with FakeOpenAIServer(default_reply="asked again") as srv:
        client = LLMClient(config(srv), tmp_path)
        assert client.totals.prior_cost_usd == 0 and client.totals.prior_tokens == 0
        assert client.chat(MESSAGES).texts == ["asked again"]
        assert len(srv.chat_requests) == 1


def test_the_client_config_rejects_a_tiny_reply_limit():
    with pytest.raises(ValueError, match="max_reply_chars"):
        LLMConfig(max_reply_chars=10)


def _request() -> DesignRequest:
    return DesignRequest(task_text="balance the pole", description=get_description(
        "InvertedPendulum-v5"), k=1, iteration=0, feedback="", history_summary="", ranked=[],
        user_text="")


@pytest.mark.parametrize("url", ["localhost:8000/v1", "not a url", "ftp://host/v1"])
def test_a_base_url_that_is_not_http_is_refused_before_any_request(url):
    with pytest.raises(LLMConfigError, match=r"base_url: .*http:// or https:// URL"):
        LLMConfig.load(base_url=url, env={})
