"""LLMClient against a real local HTTP server: retries, fill-up, budgets, records and cache."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path

import pytest

from rewardsmith.llm import (
    LLMBudgetExceeded,
    LLMClient,
    LLMConfig,
    LLMConfigError,
    LLMError,
    estimate_cost,
    price_for,
)
from rewardsmith.testing import FakeOpenAIServer, Rule

pytestmark = pytest.mark.timeout(30)

SECRET = "sk-test-do-not-leak-1234"
MESSAGES = [
    {"role": "system", "content": "You write reward functions."},
    {"role": "user", "content": "Make the humanoid stand."},
]


def make_config(srv: FakeOpenAIServer | None = None, **kwargs) -> LLMConfig:
    """A config with fast retries, aimed at the fake server."""
    defaults = {
        "model": "gpt-4o-mini",
        "base_url": srv.base_url if srv else None,
        "api_key": SECRET,
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
    }
    return LLMConfig(**{**defaults, **kwargs})


# -- chat ---------------------------------------------------------------------------------------


def test_basic_chat_counts_tokens_and_cost():
    with FakeOpenAIServer([Rule("reward code", match="stand")]) as srv:
        with LLMClient(make_config(srv)) as client:
            reply = client.chat(MESSAGES)
        sent = srv.chat_requests[0]
    assert reply.texts == ["reward code"] and reply.text == "reward code"
    assert not reply.cached and reply.record_path is None
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    expected, note = estimate_cost("gpt-4o-mini", *vars(reply.usage).values())
    assert note is None and reply.cost_usd == pytest.approx(expected) and expected > 0
    totals = client.totals
    assert (totals.calls, totals.http_calls, totals.cache_hits) == (1, 1, 0)
    assert totals.total_tokens == reply.usage.total_tokens
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["messages"] == MESSAGES
    assert sent.body["temperature"] == 1.0 and "n" not in sent.body
    assert sent.headers["authorization"] == f"Bearer {SECRET}"  # sent to the endpoint only


def test_n_is_sent_when_the_server_honours_it():
    with FakeOpenAIServer(["a", "b", "c"]) as srv:
        reply = LLMClient(make_config(srv)).chat(MESSAGES, n=3, temperature=0.7)
        assert len(srv.chat_requests) == 1
        assert srv.chat_requests[0].body["n"] == 3
        assert srv.chat_requests[0].body["temperature"] == 0.7
    assert reply.texts == ["a", "b", "c"]


def test_fill_up_when_the_server_ignores_n():
    with FakeOpenAIServer([f"s{i}" for i in range(7)], honor_n=False) as srv:
        client = LLMClient(make_config(srv))
        first = client.chat(MESSAGES, n=4)
        assert len(first.texts) == 4 and len(set(first.texts)) == 4
        assert len(srv.chat_requests) == 4
        # The client learned the server gives one choice per call: n=3 takes exactly 3 calls.
        second = client.chat(MESSAGES, n=3, sample_key="again")
        assert len(srv.chat_requests) == 7
        assert all("n" not in r.body for r in srv.chat_requests[4:])
    assert set(first.texts) | set(second.texts) == {f"s{i}" for i in range(7)}
    assert first.usage.completion_tokens == 4 * 1  # summed over the four calls
    assert client.totals.http_calls == 7


def test_retries_on_500_and_429_then_succeeds():
    with FakeOpenAIServer(default_reply="ok") as srv:
        srv.fail_next(1, status=500)
        srv.fail_next(1, status=429, retry_after=0)
        client = LLMClient(make_config(srv, max_retries=3))
        reply = client.chat(MESSAGES)
        assert len(srv.chat_requests) == 3
    assert reply.texts == ["ok"]
    assert client.totals.retries == 2 and client.totals.http_calls == 3


def test_timeout_retries_then_raises_a_clear_error(tmp_path):
    with FakeOpenAIServer(default_reply="late") as srv:
        srv.delay_next(3, seconds=3.0)
        client = LLMClient(make_config(srv, timeout_s=0.25, max_retries=2, timeout_retries=2),
                           tmp_path)
        with pytest.raises(LLMError, match=r"did not answer within 0\.25 s \(3 attempts in "
                                           r"[\d.]+ s\).*--timeout") as info:
            client.chat(MESSAGES)
        assert len(srv.chat_requests) == 3
        assert info.value.attempts == 3 and srv.base_url in str(info.value)
        assert client.totals.failures == 1 and client.totals.retries == 2
        # The failure is on record but is never served from the cache: a resume asks again.
        (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
        assert record["status"] == "error" and "did not answer" in record["error"]
        assert LLMClient(make_config(srv), tmp_path).chat(MESSAGES).texts == ["late"]
        assert len(srv.chat_requests) == 4


def test_non_retryable_status_fails_at_once_with_a_fix():
    with FakeOpenAIServer() as srv:
        srv.fail_next(1, status=401)
        client = LLMClient(make_config(srv, max_retries=3))
        with pytest.raises(LLMError, match="OPENAI_API_KEY") as info:
            client.chat(MESSAGES)
        assert len(srv.chat_requests) == 1
    assert info.value.status_code == 401
    assert SECRET not in str(info.value)


def test_unreachable_endpoint_says_how_to_fix_it():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = make_config(base_url=f"http://127.0.0.1:{port}/v1", max_retries=1)
    with pytest.raises(LLMError, match=r"Could not connect.*(OPENAI_BASE_URL|--base-url)"):
        LLMClient(config).chat(MESSAGES)


def test_not_configured_is_a_config_error_but_cache_still_serves(tmp_path):
    with FakeOpenAIServer(default_reply="cached answer") as srv:
        LLMClient(make_config(srv), tmp_path).chat(MESSAGES)
    bare = LLMConfig(model="gpt-4o-mini")
    assert not bare.is_configured()
    client = LLMClient(bare, tmp_path)
    assert client.chat(MESSAGES).texts == ["cached answer"]
    with pytest.raises(LLMConfigError, match="OPENAI_BASE_URL"):
        client.chat([{"role": "user", "content": "something new"}])


def test_bad_messages_are_rejected_before_any_request():
    client = LLMClient(make_config(base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(TypeError, match=r"messages\[0\]\['content'\]"):
        client.chat([{"role": "user", "content": None}])
    with pytest.raises(ValueError, match="n must be"):
        client.chat(MESSAGES, n=0)


# -- budgets ------------------------------------------------------------------------------------


def test_cost_budget_stops_before_the_next_request():
    with FakeOpenAIServer(default_reply="x" * 400) as srv:
        client = LLMClient(make_config(srv, max_cost_usd=1e-9))
        client.chat(MESSAGES)
        with pytest.raises(LLMBudgetExceeded, match=r"cost budget reached.*max_cost_usd"):
            client.chat(MESSAGES, sample_key="second")
        assert len(srv.chat_requests) == 1


def test_token_budget_counts_earlier_sessions(tmp_path):
    with FakeOpenAIServer(default_reply="y" * 400) as srv:
        LLMClient(make_config(srv), tmp_path).chat(MESSAGES)
        resumed = LLMClient(make_config(srv, max_tokens_total=50), tmp_path)
        assert resumed.totals.prior_tokens > 50
        assert resumed.chat(MESSAGES).cached  # what was paid for is still served
        with pytest.raises(LLMBudgetExceeded, match=r"token budget.*earlier sessions"):
            resumed.chat(MESSAGES, sample_key="new")
        assert len(srv.chat_requests) == 1


# -- recording and cache ------------------------------------------------------------------------


def test_every_call_is_recorded_atomically_without_the_key(tmp_path):
    with FakeOpenAIServer(["one", "two"]) as srv:
        client = LLMClient(make_config(srv), tmp_path)
        a = client.chat(MESSAGES, purpose="designer", sample_key="iter0/cand0")
        b = client.chat(MESSAGES, purpose="critic", sample_key="iter0/cand1")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and all(re.fullmatch(r"\d{5}_\w+_[0-9a-f]{8}\.json", n) for n in names)
    assert names[0].startswith("00000_designer_") and names[1].startswith("00001_critic_")
    assert a.record_path.name == names[0] and b.record_path.name == names[1]
    record = json.loads(a.record_path.read_text())
    assert record["request"]["messages"] == MESSAGES
    assert record["request"]["n"] == 1 and record["request"]["temperature"] == 1.0
    assert record["texts"] == ["one"] and record["status"] == "ok"
    assert record["usage"]["total_tokens"] == a.usage.total_tokens
    assert record["cost_usd"] == pytest.approx(a.cost_usd)
    assert record["latency_s"] >= 0 and record["started_at"] <= record["finished_at"]
    assert record["sample_key"] == "iter0/cand0" and record["model"] == "gpt-4o-mini"
    for path in tmp_path.iterdir():
        assert SECRET not in path.read_text()


def test_second_client_on_the_same_record_dir_makes_zero_http_calls(tmp_path):
    with FakeOpenAIServer(["first answer"], default_reply="should not be used") as srv:
        paid = LLMClient(make_config(srv), tmp_path).chat(MESSAGES, n=1)
        calls_before = len(srv.requests)
        again = LLMClient(make_config(srv), tmp_path)
        reply = again.chat(MESSAGES, n=1)
        assert len(srv.requests) == calls_before
    assert reply.cached and reply.texts == paid.texts and reply.cost_usd == 0.0
    assert reply.usage == paid.usage
    assert again.totals.cache_hits == 1 and again.totals.http_calls == 0
    assert again.totals.prior_cost_usd == pytest.approx(paid.cost_usd)
    assert len(list(tmp_path.iterdir())) == 1  # a cache hit writes no new record


def test_sample_key_and_params_make_distinct_cache_entries(tmp_path):
    with FakeOpenAIServer([f"sample {i}" for i in range(5)]) as srv:
        client = LLMClient(make_config(srv), tmp_path)
        a = client.chat(MESSAGES, sample_key="cand0")
        b = client.chat(MESSAGES, sample_key="cand1")
        a_again = client.chat(MESSAGES, sample_key="cand0")
        hot = client.chat(MESSAGES, sample_key="cand0", temperature=0.2)
        assert len(srv.chat_requests) == 3
    assert a.texts != b.texts and a_again.cached and a_again.texts == a.texts
    assert not hot.cached


def test_concurrency_limit_is_respected():
    with FakeOpenAIServer(default_reply="ok", latency_s=0.15) as srv:
        client = LLMClient(make_config(srv, max_concurrency=2))
        threads = [
            threading.Thread(target=client.chat, args=(MESSAGES,), kwargs={"sample_key": str(i)})
            for i in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(srv.chat_requests) == 6
        assert srv.max_in_flight == 2


def test_identical_requests_in_flight_are_paid_once(tmp_path):
    with FakeOpenAIServer(default_reply="ok", latency_s=0.1) as srv:
        client = LLMClient(make_config(srv, max_concurrency=4), tmp_path)
        threads = [threading.Thread(target=client.chat, args=(MESSAGES,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(srv.chat_requests) == 1
    assert client.totals.cache_hits == 3


# -- configuration and pricing ------------------------------------------------------------------


def test_config_priority_explicit_over_env_over_file(tmp_path):
    toml = tmp_path / "config.toml"
    toml.write_text('[llm]\nmodel = "from-file"\nbase_url = "http://file/v1"\nmax_retries = 7\n')
    env = {"REWARDSMITH_MODEL": "from-env", "OPENAI_API_KEY": SECRET}
    cfg = LLMConfig.load(toml, env=env, base_url="http://flag/v1", model=None)
    assert (cfg.model, cfg.base_url, cfg.max_retries) == ("from-env", "http://flag/v1", 7)
    assert cfg.secret_key() == SECRET and cfg.is_configured()
    assert SECRET not in repr(cfg) and SECRET not in str(cfg.model_dump())
    assert cfg.public_dict()["api_key"] == "set"


def test_default_config_file_is_read_from_xdg_config_home(tmp_path, monkeypatch):
    (tmp_path / "rewardsmith").mkdir()
    (tmp_path / "rewardsmith" / "config.toml").write_text('[llm]\nmodel = "m1"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    cfg = LLMConfig.load(env={})
    assert cfg.model == "m1" and not cfg.is_configured()


def test_config_errors_are_specific(tmp_path):
    with pytest.raises(LLMConfigError, match="does not exist"):
        LLMConfig.load(tmp_path / "missing.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text('[llm]\nmodle = "typo"\n')
    with pytest.raises(LLMConfigError, match=r"Unknown key\(s\) \['modle'\]"):
        LLMConfig.load(bad, env={})
    bad.write_text("[llm]\ntimeout_s = -1\n")
    with pytest.raises(LLMConfigError, match="timeout_s"):
        LLMConfig.load(bad, env={})


def test_endpoint_hides_credentials_in_the_url():
    cfg = LLMConfig(base_url="http://user:pw@localhost:8000/v1")
    assert cfg.endpoint() == "http://localhost:8000/v1"
    assert LLMConfig(api_key="k").endpoint() == "https://api.openai.com/v1"


def test_price_table_matches_snapshots_and_unknown_models_cost_zero():
    assert price_for("gpt-4o-2024-08-06") == price_for("gpt-4o")
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini") != price_for("gpt-4o")
    cost, note = estimate_cost("qwen2.5-coder:7b", 1000, 1000)
    assert cost == 0.0 and "no price known" in note
    with FakeOpenAIServer() as srv:
        client = LLMClient(make_config(srv, model="llama-local"))
        assert client.chat(MESSAGES).cost_usd == 0.0
    assert any("no price known" in n for n in client.totals.notes)


def test_price_override_and_missing_usage(tmp_path: Path):
    with FakeOpenAIServer(report_usage=False) as srv:
        client = LLMClient(make_config(srv, prompt_price_per_mtok=1.0))
        reply = client.chat(MESSAGES)
    assert reply.usage.total_tokens == 0 and reply.cost_usd == 0.0
    assert any("no token usage" in n for n in client.totals.notes)
