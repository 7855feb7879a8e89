"""A whole design run whose LLM calls go through litellm, against the local fake server.

The designer's and the critic's requests take litellm's real code (its OpenAI-compatible route
to the fake server, ``REWARDSMITH_LLM_BACKEND=litellm``); the candidates are smoke-tested in the
sandbox and trained for a tiny budget; the run's ``llm/`` records carry the transport, the cost
and where the price came from. The scripted replies follow tests/run/test_design_loop.py.
"""

from __future__ import annotations

import json
import re

import pytest

from rewardsmith.llm.providers import litellm_installed
from rewardsmith.results.inspect import inspect_run
from rewardsmith.run.api import design
from rewardsmith.testing import FakeOpenAIServer, Rule
from rewardsmith.testing.scripted_replies import CRITIC_ACCEPT, PENDULUM_REWARD_WITH_PLAN

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not litellm_installed(), reason="the litellm extra is not installed"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]

GOOD = PENDULUM_REWARD_WITH_PLAN
REVIEWER = re.compile("You review reward functions")
SECRET = "sk-canary-litellm-do-not-leak"


def test_a_design_run_through_litellm_records_its_cost(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REWARDSMITH_LLM_BACKEND", "litellm")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    lines: list[str] = []
    rules = [Rule(CRITIC_ACCEPT, match=REVIEWER, on="system")]
    with FakeOpenAIServer(rules, default_reply=GOOD) as srv:
        run = design(task="pendulum-balance", out=tmp_path / "runs", say=lines.append,
                     designer="llm", base_url=srv.base_url, model="openai/gpt-4o-mini",
                     candidates=2, iterations=1, steps=512, workers=2, reeval_seeds=1,
                     max_cost=0.05, train_kwargs={"video": False})
        sent = srv.chat_requests
        endpoint = srv.base_url
    assert any(f"LLM designer (openai/gpt-4o-mini at {endpoint})" in line for line in lines)
    assert run.best is not None and (run.path / "best" / "reward.py").is_file()
    # litellm sent every request, with the key, to the fake server only
    assert sent and all(r.body["model"] == "gpt-4o-mini" for r in sent)
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in sent)
    records = [json.loads(p.read_text()) for p in sorted((run.path / "llm").glob("*.json"))]
    assert {r["purpose"] for r in records} >= {"designer", "critic"}
    for record in records:
        assert record["transport"] == "litellm" and record["status"] == "ok"
        assert record["cost_source"] == "litellm" and record["cost_usd"] > 0
        assert record["usage"]["total_tokens"] > 0 and record["texts"]
    spent = sum(r["cost_usd"] for r in records)
    assert 0 < spent < 0.05
    totals = inspect_run(run.path).llm
    assert totals.calls == len(records) and totals.cost_usd == pytest.approx(spent)
    for path in run.path.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md", ".py", ".log", ".txt"):
            assert SECRET not in path.read_text(errors="ignore"), path
    with capsys.disabled():  # the cost record, for whoever runs this with -s
        print(f"\nlitellm design run: {len(records)} LLM calls, {totals.total_tokens} tokens, "
              f"${spent:.6f} (cost_source: litellm)")
        first = {k: records[0][k] for k in ("purpose", "model", "transport", "endpoint",
                                            "usage", "cost_usd", "cost_source")}
        print(json.dumps(first, indent=1))
