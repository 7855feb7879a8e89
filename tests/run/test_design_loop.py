"""The design loop end to end against a real local OpenAI-compatible HTTP server (scripted
replies), real sandboxed smoke tests and real (tiny) trainings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rewardsmith.feedback.sources import ScoredCandidate, order_by_fitness
from rewardsmith.run.api import design
from rewardsmith.testing.fake_openai import FakeOpenAIServer
from rewardsmith.testing.fake_openai_rules import Rule
from rewardsmith.testing.scripted_replies import CRITIC_ACCEPT, PENDULUM_REWARD_WITH_PLAN

GOOD = PENDULUM_REWARD_WITH_PLAN
SYNTAX_ERROR = "```python\nimport numpy as np\n\ndef compute_reward(state, action, next_state)\n" \
               "    return 1\n```"
UNKNOWN_FIELD = GOOD.replace("next_state.pole_angle", "next_state.pole_tilt")
NAN = GOOD.replace("-0.1 * next_state.cart_position ** 2",
                   "np.log(next_state.cart_position - 100.0)")
REPAIRED = GOOD.replace("-0.1 *", "-0.2 *")
SECRET = "sk-canary-do-not-leak-123"

# Videos cost seconds per job and are not what these tests check (tests/rl/test_video.py and the
# evaluator's tests record them); --no-video's own check is in the first test.
NO_VIDEO = {"video": False}
DESIGNER = re.compile("expert reinforcement-learning engineer")
REVIEWER = re.compile("You review reward functions")


def _rules() -> list[Rule]:
    return [
        Rule(REPAIRED, match="was rejected before any training", on="user"),
        Rule(CRITIC_ACCEPT, match=REVIEWER, on="system"),
        Rule(GOOD, match=DESIGNER, on="system", times=1),
        Rule(SYNTAX_ERROR, match=DESIGNER, on="system", times=1),
        Rule(UNKNOWN_FIELD, match=DESIGNER, on="system", times=1),
        Rule(NAN, match=DESIGNER, on="system", times=1),
    ]


@pytest.fixture
def server():
    with FakeOpenAIServer(_rules(), default_reply=GOOD) as srv:
        yield srv


def test_llm_loop_repairs_trains_and_records(server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    lines = []
    run = design(task="pendulum-balance", out=tmp_path, say=lines.append, designer="llm",
                 base_url=server.base_url, model="fake-model", candidates=4, iterations=1,
                 steps=2048, workers=2, reeval_seeds=2, train_kwargs=NO_VIDEO)
    assert any("LLM designer (fake-model" in line for line in lines)
    root = run.path
    records = [json.loads((root / "iter_0" / f"cand_{j}" / "candidate.json").read_text())
               for j in range(4)]
    # the broken ones were repaired through the repair prompt, then accepted
    assert all(r["accepted"] for r in records), records
    stages = {a["stage"] for r in records for a in r["attempts"]}
    assert {"static", "smoke"} <= stages or {"extraction", "smoke"} <= stages
    assert any("pole_tilt" in a["error"] for r in records for a in r["attempts"])
    assert any("non-finite" in a["error"] for r in records for a in r["attempts"])
    # every request and reply is on disk; the key never is
    assert len(list((root / "llm").glob("*.json"))) >= 3
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md", ".py", ".log", ".txt"):
            assert SECRET not in path.read_text(errors="ignore"), path
    # the real HTTP client path sent the key to the server
    assert any(SECRET in r.headers.get("authorization", "") for r in server.chat_requests)
    assert (root / "iter_0" / "feedback.md").read_text().startswith("We trained a policy")
    assert run.best is not None and (root / "best" / "reward.py").is_file()
    assert (root / "best" / "report.md").is_file()
    # the run's best is the evaluator's best, so its multi-seed re-evaluation is reported
    report = json.loads((root / "iter_0" / "report.json").read_text())
    assert run.best["candidate"] == report["best"]
    assert run.state["best_reeval"] == report["best_reeval"] and report["best_reeval"]
    # --no-video: no job recorded one, and the run is whole without them
    assert not list(root.rglob("*.mp4")) and (root / "best" / "policy_weights.pt").is_file()


def test_ties_in_fitness_follow_the_evaluators_ranking():
    # cand_0 reached 1.0 at an early rung and stopped; cand_3 reached it on the whole budget.
    scored = [ScoredCandidate(f"cand_{j}", "", f, f is None, "") for j, f in
              enumerate([1.0, 0.5, None, 1.0])]
    assert order_by_fitness(scored) == ["cand_0", "cand_3", "cand_1", "cand_2"]
    ranking = ["cand_3", "cand_0", "cand_1"]
    assert order_by_fitness(scored, ranking) == ["cand_3", "cand_0", "cand_1", "cand_2"]


def test_resume_repeats_no_llm_call(server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    kwargs = dict(out=tmp_path, say=lambda line: None, designer="llm",
                  base_url=server.base_url, model="fake-model", candidates=2, iterations=1,
                  steps=1024, workers=2, reeval_seeds=1, train_kwargs=NO_VIDEO)
    run = design(task="pendulum-balance", **kwargs)
    calls = len(server.chat_requests)
    # pretend the run died before the iteration finished: drop the summary and best
    (run.path / "iter_0" / "summary.json").unlink()
    from rewardsmith.run.api import resume

    again = resume(run.path, say=lambda line: None)
    assert len(server.chat_requests) == calls
    assert again.best["candidate"] == run.best["candidate"]


def test_offline_designer_says_so(tmp_path):
    lines = []
    run = design("keep the pole balanced", out=tmp_path, say=lines.append, candidates=2,
                 iterations=1, steps=1024, workers=2, reeval_seeds=1, rungs=(0.5, 1.0),
                 min_keep=2, train_kwargs=NO_VIDEO)
    assert any("offline designer (no LLM in use)" in line for line in lines)
    assert any("InvertedPendulum-v5" in line for line in lines)
    assert run.best is not None
    # The run's halving settings reach the evaluator: two rungs, both candidates kept.
    (report,) = Path(run.path).glob("iter_*/report.json")
    data = json.loads(report.read_text())
    assert data["rung_steps"] == [512, 1024]
    assert all(c["steps"] >= 1024 for c in data["candidates"] if c["state"] != "failed")


def test_text_without_an_env_is_a_clear_error(tmp_path):
    from rewardsmith.errors import RewardsmithError

    with pytest.raises(RewardsmithError, match="could not tell which environment"):
        design("make it dance", out=tmp_path, say=lambda line: None)


def test_a_flip_run_trains_every_candidate_with_wide_noise_and_the_snippet_says_so(tmp_path):
    # The behaviour's setting is part of the run: run.json (so resume keeps it), every
    # candidate's training in the sandbox, and the best's usage snippet, beside --no-video.
    lines: list[str] = []
    run = design("make the half cheetah do backflips", out=tmp_path, say=lines.append,
                 designer="offline", candidates=1, iterations=1, steps=2048, workers=1,
                 reeval_seeds=1, train_kwargs=NO_VIDEO)
    wide = {"policy_kwargs": {"log_std_init": 0.0}}
    config = json.loads((run.path / "run.json").read_text())["config"]
    assert config["train_kwargs"] == {**NO_VIDEO, "algo_kwargs": wide}
    assert any("action noise starts at std 1" in line for line in lines)
    metrics = [json.loads(p.read_text()) for p in run.path.rglob("metrics.json")]
    trained = [m for m in metrics if "algo_kwargs" in m]
    assert trained and all(m["algo_kwargs"] == wide for m in trained)
    assert "algo_kwargs={'policy_kwargs': {'log_std_init': 0.0}}" in (
        run.path / "best" / "README.md").read_text()
