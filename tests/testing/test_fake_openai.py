"""The fake OpenAI server speaks the real wire format, follows its script, and stops cleanly."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest

from rewardsmith.testing import FakeOpenAIServer, Rule

pytestmark = pytest.mark.timeout(30)


def _post(base_url: str, body: object, timeout: float = 5.0) -> tuple[int, dict, dict]:
    """POST JSON to /chat/completions with urllib; return (status, json, headers)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=data,
        headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read()), dict(err.headers)


def _chat(base_url: str, user: str, system: str | None = None, n: int | None = None) -> dict:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}
    ]
    body: dict = {"model": "fake-model", "messages": messages}
    if n is not None:
        body["n"] = n
    status, payload, _ = _post(base_url, body)
    assert status == 200, payload
    return payload


def _texts(payload: dict) -> list[str]:
    return [c["message"]["content"] for c in payload["choices"]]


def test_openai_sdk_round_trip_with_usage():
    with FakeOpenAIServer([Rule("hello from fake")]) as srv:
        assert srv.base_url.startswith("http://127.0.0.1:") and srv.base_url.endswith("/v1")
        client = openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0)
        resp = client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "hi there"}]
        )
        client.close()
    assert resp.choices[0].message.content == "hello from fake"
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.prompt_tokens > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens


def test_models_endpoint_lists_models():
    with FakeOpenAIServer(models=["a", "b"]) as srv:
        client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0)
        ids = [m.id for m in client.models.list()]
        client.close()
    assert ids == ["a", "b"]


def test_rules_match_user_system_regex_and_callable():
    rules = [
        Rule("user-rule", match="reward"),
        Rule("system-rule", match="critic", on="system"),
        Rule("regex-rule", match=re.compile(r"iter \d+")),
        Rule(lambda req: f"echo:{req['messages'][-1]['content']}", match="echo"),
    ]
    with FakeOpenAIServer(rules, default_reply="default") as srv:
        assert _texts(_chat(srv.base_url, "write a reward")) == ["user-rule"]
        assert _texts(_chat(srv.base_url, "review", system="You are a critic")) == ["system-rule"]
        assert _texts(_chat(srv.base_url, "this is iter 3")) == ["regex-rule"]
        assert _texts(_chat(srv.base_url, "echo me")) == ["echo:echo me"]
        assert _texts(_chat(srv.base_url, "nothing matches")) == ["default"]


def test_string_rules_are_a_script_consumed_in_order_then_default():
    with FakeOpenAIServer(["first", "second"], default_reply="done") as srv:
        got = [_texts(_chat(srv.base_url, "x"))[0] for _ in range(3)]
    assert got == ["first", "second", "done"]


def test_cycle_restarts_the_script():
    with FakeOpenAIServer(["a", "b"], cycle=True) as srv:
        got = [_texts(_chat(srv.base_url, "x"))[0] for _ in range(5)]
    assert got == ["a", "b", "a", "b", "a"]


def test_honor_n_or_ignore_it():
    with FakeOpenAIServer(["a", "b", "c"], default_reply="z") as srv:
        assert _texts(_chat(srv.base_url, "x", n=3)) == ["a", "b", "c"]
    with FakeOpenAIServer(["a", "b", "c"], honor_n=False) as srv:
        assert _texts(_chat(srv.base_url, "x", n=3)) == ["a"]


def test_injected_failures_then_recovery():
    with FakeOpenAIServer(default_reply="ok") as srv:
        srv.fail_next(1, status=500)
        srv.fail_next(1, status=429, retry_after=2)
        status, payload, _ = _post(srv.base_url, {"model": "m", "messages": []})
        assert status == 500 and payload["error"]["message"] == "injected failure"
        status, payload, headers = _post(srv.base_url, {"model": "m", "messages": []})
        assert status == 429 and headers.get("Retry-After") == "2"
        assert _texts(_chat(srv.base_url, "x")) == ["ok"]


def test_delay_next_provokes_client_timeout():
    with FakeOpenAIServer(default_reply="late") as srv:
        srv.delay_next(1, seconds=2.0)
        client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0, timeout=0.3)
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}]
        )
        client.close()
    assert reply.choices[0].message.content == "late"


def test_records_requests_with_headers_and_body():
    with FakeOpenAIServer() as srv:
        _chat(srv.base_url, "remember me")
        urllib.request.urlopen(f"{srv.base_url}/models", timeout=5).close()
        chat = srv.chat_requests
        assert len(chat) == 1 and len(srv.requests) == 2
    assert chat[0].headers["authorization"] == "Bearer sk-test"
    assert chat[0].body["messages"][-1]["content"] == "remember me"


def test_bad_requests_get_openai_style_errors():
    with FakeOpenAIServer() as srv:
        status, payload, _ = _post(srv.base_url, b"{not json")
        assert status == 400 and "messages" in payload["error"]["message"]
        req = urllib.request.Request(f"{srv.base_url}/nope", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=5)
        info.value.close()
        assert info.value.code == 404


def test_stops_quickly_even_with_a_sleeping_request_and_frees_the_port():
    srv = FakeOpenAIServer(default_reply="never").start()
    base_url = srv.base_url
    srv.delay_next(1, seconds=30)
    statuses: list[int] = []
    worker = threading.Thread(
        target=lambda: statuses.append(_post(base_url, {"messages": []}, 10)[0]), daemon=True
    )
    worker.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 3
    with pytest.raises(RuntimeError, match="not running"):
        _ = srv.base_url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base_url}/models", timeout=2)
    worker.join(timeout=5)
    assert statuses == [503]  # the sleeping request was answered, not left hanging
