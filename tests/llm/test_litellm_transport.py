"""The litellm transport against the real local fake server: litellm's own code runs.

Each request goes through ``litellm.completion`` and its OpenAI-compatible route (model
``openai/<name>`` with ``api_base`` at the fake server) over HTTP, so these tests exercise what
a user of ``anthropic/...`` or ``bedrock/...`` gets from rewardsmith around litellm: the same
retries, timeouts, budgets, cost accounting and record as the openai SDK path. Choosing the
transport and the missing-extra message need no litellm and always run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rewardsmith.llm import LLMBudgetExceeded, LLMClient, LLMConfig, LLMConfigError, LLMError
from rewardsmith.llm.providers import LITELLM_PROVIDERS, litellm_installed
from rewardsmith.testing import FakeOpenAIServer, Rule

# pytest resets warning filters for each test, so the one litellm_transport sets at import
# (litellm's logging thread trips pydantic's serializer checks) is repeated here
pytestmark = [pytest.mark.timeout(60),
              pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")]
needs_litellm = pytest.mark.skipif(not litellm_installed(),
                                   reason='the litellm extra is not installed')

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-litellm-test-do-not-leak"
MESSAGES = [
    {"role": "system", "content": "You write reward functions."},
    {"role": "user", "content": "Make the humanoid stand."},
]

# Run before anything else in a subprocess: any connection or DNS lookup that does not go to
# this machine fails loudly, so a test passing under it shows litellm did not phone home.
NO_NETWORK = textwrap.dedent("""
    import socket
    LOCAL = ("127.0.0.1", "::1", "localhost")
    _connect, _lookup = socket.socket.connect, socket.getaddrinfo
    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOCAL:
            raise SystemExit(f"network connection attempted: {address!r}")
        return _connect(self, address)
    def lookup(host, *args, **kwargs):
        if host not in LOCAL:
            raise SystemExit(f"DNS lookup attempted: {host!r}")
        return _lookup(host, *args, **kwargs)
    socket.socket.connect, socket.getaddrinfo = connect, lookup
""")


def make_config(srv: FakeOpenAIServer, **kwargs) -> LLMConfig:
    """litellm forced onto its OpenAI-compatible route at the fake server; fast retries."""
    values = {"model": "openai/gpt-4o-mini", "backend": "litellm", "base_url": srv.base_url,
              "api_key": SECRET, "timeout_s": 5.0, "max_retries": 2, "backoff_base_s": 0.01,
              "backoff_max_s": 0.05}
    return LLMConfig(**{**values, **kwargs})


def records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the repository, without the user's config."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("OPENAI_", "LITELLM_")) and not k.endswith("_API_KEY")}
    environ.update({"XDG_CONFIG_HOME": "/nonexistent-rewardsmith-test", **(env or {})})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


# -- choosing the transport (no litellm needed) -------------------------------------------------


@pytest.mark.parametrize(("model", "backend"), [
    ("anthropic/claude-sonnet-4-5", "litellm"),
    ("gemini/gemini-2.5-pro", "litellm"),
    ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "litellm"),
    ("azure/my-deployment", "litellm"),
    ("vertex_ai/gemini-2.5-pro", "litellm"),
    ("gpt-4o-mini", "openai"),  # a bare name
    ("openai/gpt-4o", "openai"),  # OpenRouter and vLLM serve models named this way
    ("Qwen/Qwen2.5-7B-Instruct", "openai"),  # a Hugging Face id on vLLM
    ("mistralai/Mistral-7B-Instruct-v0.3", "openai"),  # not litellm's "mistral"
])
def test_a_provider_prefix_chooses_litellm_and_anything_else_the_openai_sdk(model, backend):
    assert LLMConfig(model=model).resolved_backend() == backend
    assert LLMConfig(model=model, backend="openai").resolved_backend() == "openai"
    assert LLMConfig(model=model, backend="litellm").resolved_backend() == "litellm"


def test_the_openai_variables_never_travel_to_another_provider():
    env = {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": "http://vllm.local:8000/v1"}
    other = LLMConfig.load(env=env, model="anthropic/claude-sonnet-4-5")
    assert other.api_key is None and other.base_url is None
    assert other.is_configured() and other.endpoint() == "litellm:anthropic"
    assert other.public_dict()["backend"] == "auto"
    # the openai path, and litellm's own openai route, still read them
    assert LLMConfig.load(env=env, model="gpt-4o-mini").secret_key() == SECRET
    forced = LLMConfig.load(env={**env, "REWARDSMITH_LLM_BACKEND": "litellm"},
                            model="openai/gpt-4o-mini")
    assert forced.resolved_backend() == "litellm" and forced.secret_key() == SECRET
    assert forced.endpoint() == "http://vllm.local:8000/v1"
    # an explicit URL (a gateway, an Azure resource) is litellm's api_base
    explicit = LLMConfig.load(env=env, model="azure/gpt4o", base_url="https://x.azure.com")
    assert explicit.base_url == "https://x.azure.com" and explicit.api_key is None


def test_the_backend_can_be_set_in_the_config_file(tmp_path):
    toml = tmp_path / "config.toml"
    toml.write_text('[llm]\nmodel = "openai/gpt-4o-mini"\nbackend = "litellm"\n')
    assert LLMConfig.load(toml, env={}).resolved_backend() == "litellm"
    toml.write_text('[llm]\nbackend = "lite"\n')
    with pytest.raises(LLMConfigError, match="backend"):
        LLMConfig.load(toml, env={})


def test_without_the_extra_a_provider_model_fails_at_configuration_in_one_line():
    code = textwrap.dedent("""
        import sys
        sys.modules["litellm"] = None  # what a missing extra looks like to import
        from rewardsmith.llm import LLMClient, LLMConfig, LLMConfigError
        for kwargs in ({"model": "anthropic/claude-sonnet-4-5"},
                       {"model": "openai/gpt-4o-mini", "backend": "litellm"}):
            try:
                LLMConfig.load(env={}, **kwargs)
            except LLMConfigError as exc:
                print(exc)
        # a config built directly fails when the client first needs the transport
        client = LLMClient(LLMConfig(model="bedrock/anthropic.claude-3-haiku"))
        try:
            client.chat([{"role": "user", "content": "hi"}])
        except LLMConfigError as exc:
            print(exc)
        # the openai path needs no litellm
        print(LLMConfig.load(env={}, model="gpt-4o-mini").resolved_backend())
    """)
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4 and lines[-1] == "openai", lines
    for line in lines[:3]:
        assert line.endswith('pip install "rewardsmith[litellm]"'), line
    assert "'anthropic/claude-sonnet-4-5'" in lines[0]
    assert 'backend = "litellm"' in lines[1]


def test_without_the_extra_the_cli_prints_one_error_line(tmp_path):
    code = textwrap.dedent(f"""
        import runpy, sys
        sys.modules["litellm"] = None
        sys.argv = ["rewardsmith", "design", "--task", "pendulum-balance", "--designer", "llm",
                    "--model", "anthropic/claude-sonnet-4-5", "--out", {str(tmp_path)!r}]
        runpy.run_module("rewardsmith", run_name="__main__")
    """)
    done = run_python(code)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("error")]
    assert line.endswith('pip install "rewardsmith[litellm]"'), line


# -- litellm's real code against the fake server ------------------------------------------------


@needs_litellm
def test_the_provider_snapshot_matches_the_installed_litellm():
    from rewardsmith.llm.litellm_transport import import_litellm

    litellm = import_litellm()
    assert LITELLM_PROVIDERS == {getattr(p, "value", p) for p in litellm.provider_list}


@needs_litellm
def test_a_scripted_reply_comes_back_through_litellm(tmp_path):
    with FakeOpenAIServer([Rule("reward code", match="stand")]) as srv:
        with LLMClient(make_config(srv), tmp_path) as client:
            reply = client.chat(MESSAGES, purpose="designer")
        (sent,) = srv.chat_requests
        endpoint = srv.base_url
    assert reply.texts == ["reward code"] and not reply.cached
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    # litellm stripped its provider prefix and sent our key to the endpoint only
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["messages"] == MESSAGES
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert sent.headers.get("x-stainless-retry-count") in (None, "0")  # no retries underneath
    (record,) = records(tmp_path)
    assert record["transport"] == "litellm" and record["endpoint"] == endpoint
    assert record["request"]["messages"] == MESSAGES and record["texts"] == ["reward code"]
    assert record["usage"]["total_tokens"] == reply.usage.total_tokens
    assert SECRET not in reply.record_path.read_text()


@needs_litellm
def test_n_choices_and_the_top_up_for_a_provider_that_gives_one(tmp_path):
    with FakeOpenAIServer(["a", "b", "c"]) as srv:
        assert LLMClient(make_config(srv)).chat(MESSAGES, n=3).texts == ["a", "b", "c"]
        assert srv.chat_requests[0].body["n"] == 3
    with FakeOpenAIServer(["a", "b", "c"], honor_n=False) as srv:
        client = LLMClient(make_config(srv))
        assert sorted(client.chat(MESSAGES, n=3).texts) == ["a", "b", "c"]
        assert client.totals.http_calls == 3


@needs_litellm
def test_retries_on_500_and_429_from_the_server_then_succeeds(tmp_path):
    with FakeOpenAIServer(default_reply="ok") as srv:
        srv.fail_next(1, status=500)
        srv.fail_next(1, status=429, retry_after=0)
        client = LLMClient(make_config(srv, max_retries=3), tmp_path)
        reply = client.chat(MESSAGES)
        assert len(srv.chat_requests) == 3
    assert reply.texts == ["ok"]
    assert client.totals.retries == 2 and client.totals.http_calls == 3
    (record,) = records(tmp_path)
    assert [a["outcome"] for a in record["attempts"]] == ["http_500", "http_429", "ok"]


@needs_litellm
def test_a_rejected_key_is_not_retried_and_names_the_fix():
    with FakeOpenAIServer() as srv:
        srv.fail_next(1, status=401)
        with pytest.raises(LLMError, match="key was rejected") as info:
            LLMClient(make_config(srv, max_retries=3)).chat(MESSAGES)
        assert len(srv.chat_requests) == 1
    assert info.value.status_code == 401 and info.value.fault == "http_401"
    assert SECRET not in str(info.value)


@needs_litellm
def test_a_timeout_is_retried_then_raises_a_clear_error(tmp_path):
    with FakeOpenAIServer(default_reply="late") as srv:
        srv.delay_next(2, seconds=3.0)
        client = LLMClient(make_config(srv, timeout_s=0.25, max_retries=3, timeout_retries=1),
                           tmp_path)
        with pytest.raises(LLMError, match=r"did not answer within 0\.25 s \(2 attempts in "
                                           r"[\d.]+ s\).*--timeout") as info:
            client.chat(MESSAGES)
        assert len(srv.chat_requests) == 2
        # litellm's own timeout and the client's wall deadline both stop a silent server; on a
        # loaded machine litellm's first call (its lazy set-up) can lose that race: both are
        # timeouts, named by which clock fired first
        timeouts = {"timeout", "body_timeout"}
        assert info.value.fault in timeouts and srv.base_url in str(info.value)
    (record,) = records(tmp_path)
    assert record["status"] == "error" and record["transport"] == "litellm"
    assert [a["outcome"] in timeouts for a in record["attempts"]] == [True, True]


@needs_litellm
def test_a_dripping_answer_is_cut_at_the_deadline(tmp_path):
    with FakeOpenAIServer(default_reply="good") as srv:
        srv.break_next(1, "drip")
        client = LLMClient(make_config(srv, timeout_s=0.5), tmp_path)
        assert client.chat(MESSAGES).texts == ["good"]
    (record,) = records(tmp_path)
    assert [a["outcome"] for a in record["attempts"]] == ["body_timeout", "ok"]


@needs_litellm
@pytest.mark.parametrize("kind", ["truncated", "html", "null_choices", "null_content", "reset"])
def test_a_broken_reply_is_retried(kind, tmp_path):
    with FakeOpenAIServer(default_reply="good reply") as srv:
        srv.break_next(1, kind)
        client = LLMClient(make_config(srv), tmp_path)
        assert client.chat(MESSAGES).texts == ["good reply"]
        assert len(srv.chat_requests) == 2
    (record,) = records(tmp_path)
    assert record["attempts"][0]["outcome"] != "ok" and record["attempts"][1]["outcome"] == "ok"


@needs_litellm
def test_the_cost_and_token_caps_stop_before_the_next_request(tmp_path):
    with FakeOpenAIServer(default_reply="x" * 400) as srv:
        client = LLMClient(make_config(srv, max_cost_usd=1e-9), tmp_path)
        first = client.chat(MESSAGES)
        assert first.cost_usd > 0
        with pytest.raises(LLMBudgetExceeded, match=r"cost budget reached.*max_cost_usd"):
            client.chat(MESSAGES, sample_key="second")
        assert len(srv.chat_requests) == 1
        # a resumed session counts what the first one recorded
        resumed = LLMClient(make_config(srv, max_tokens_total=50), tmp_path)
        assert resumed.chat(MESSAGES).cached
        with pytest.raises(LLMBudgetExceeded, match="token budget"):
            resumed.chat(MESSAGES, sample_key="third")
        assert len(srv.chat_requests) == 1


@needs_litellm
def test_the_record_holds_request_reply_cost_and_where_the_price_came_from(tmp_path):
    from rewardsmith.llm.litellm_transport import import_litellm

    with FakeOpenAIServer(["one", "two", "three", "four"]) as srv:
        known = LLMClient(make_config(srv), tmp_path / "known").chat(MESSAGES)
        # litellm does not know this snapshot, rewardsmith's table prices its family
        table = LLMClient(make_config(srv, model="openai/gpt-4.1-nano-2099-01-01"),
                          tmp_path / "table").chat(MESSAGES)
        unknown = LLMClient(make_config(srv, model="openai/fake-model"),
                            tmp_path / "unknown").chat(MESSAGES)
        priced = LLMClient(make_config(srv, model="openai/fake-model",
                                       prompt_price_per_mtok=1.0, completion_price_per_mtok=2.0),
                           tmp_path / "config").chat(MESSAGES)
    prompt_usd, completion_usd = import_litellm().cost_per_token(
        model="openai/gpt-4o-mini", prompt_tokens=known.usage.prompt_tokens,
        completion_tokens=known.usage.completion_tokens)
    assert known.cost_usd == pytest.approx(prompt_usd + completion_usd) and known.cost_usd > 0
    assert table.cost_usd > 0 and unknown.cost_usd == 0.0
    assert priced.cost_usd == pytest.approx((priced.usage.prompt_tokens
                                             + 2 * priced.usage.completion_tokens) / 1e6)
    expected = {"known": "litellm", "table": "rewardsmith-table", "unknown": "unknown",
                "config": "config"}
    for folder, source in expected.items():
        (record,) = records(tmp_path / folder)
        assert record["cost_source"] == source, folder
        assert record["http_calls"][0]["cost_source"] == source
        assert record["request"]["messages"] == MESSAGES and record["texts"]
        assert record["usage"]["prompt_tokens"] > 0 and record["status"] == "ok"
    assert record["cost_usd"] == pytest.approx(priced.cost_usd)
    assert any("no price known" in n for n in records(tmp_path / "unknown")[0]["notes"])


@needs_litellm
def test_litellm_is_imported_only_when_chosen_and_never_phones_home():
    code = NO_NETWORK + textwrap.dedent("""
        import os, sys
        from rewardsmith.llm import LLMClient, LLMConfig, LLMError
        from rewardsmith.testing import FakeOpenAIServer
        messages = [{"role": "user", "content": "hi"}]
        with FakeOpenAIServer(default_reply="via the sdk") as srv:
            sdk = LLMConfig(model="gpt-4o-mini", base_url=srv.base_url, api_key="k")
            print(LLMClient(sdk).chat(messages).text, "litellm" in sys.modules)
            lite = LLMConfig(model="openai/gpt-4o-mini", backend="litellm",
                             base_url=srv.base_url, api_key="k")
            reply = LLMClient(lite).chat(messages, n=2)
            print(reply.texts, reply.cost_usd > 0, "litellm" in sys.modules)
        print(os.environ["LITELLM_LOCAL_MODEL_COST_MAP"], os.environ["LITELLM_MODE"])
        import litellm
        print(litellm.telemetry)
        # a provider without its key fails before any request, naming the variable
        try:
            LLMClient(LLMConfig.load(env={}, model="anthropic/claude-sonnet-4-5")).chat(messages)
        except LLMError as exc:
            print(exc.fault, "ANTHROPIC_API_KEY" in str(exc))
    """)
    done = run_python(code)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "via the sdk False", "['via the sdk', 'via the sdk'] True True", "True PRODUCTION",
        "False", "http_401 True"]
