"""A success measure for any request: the contract, the sandboxed trial, the offline composer,
and design runs that write (or take) one, headless, with the offline designer and through the
scripted OpenAI-compatible server. Real sandbox, real MuJoCo, real (tiny) SB3 trainings."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rewardsmith.contract.fitness import read_threshold, validate_fitness_output
from rewardsmith.designers.offline.success_measure import (
    MeasureNotExpressible,
    compose_success_measure,
)
from rewardsmith.envs.registry import get_description
from rewardsmith.errors import RewardContractError, RewardsmithError
from rewardsmith.run.api import design, resume
from rewardsmith.sandbox.fitness_test import run_fitness_smoke_test
from rewardsmith.sandbox.static_check import check_source
from rewardsmith.testing.fake_openai import FakeOpenAIServer
from rewardsmith.testing.fake_openai_rules import Rule

TROT = "make the half cheetah trot forward at a steady 1 m/s"
SPEED_FITNESS = '''"""Forward speed near 1 m/s: 1 at exactly 1 m/s, 0 at 0.5 m/s away."""
import numpy as np

SUCCESS_THRESHOLD = 0.6


def compute_fitness(state, action, next_state):
    v = next_state.torso_velocity[:, 0]
    return np.clip(1.0 - np.abs(v - 1.0) / 0.5, 0.0, 1.0)
'''
TINY = {"candidates": 2, "iterations": 1, "steps": 2048, "workers": 2, "reeval_seeds": 1,
        "train_kwargs": {"video": False}}


# -- the contract --------------------------------------------------------------------------------

def test_threshold_is_read_from_the_text_without_running_it():
    assert read_threshold(SPEED_FITNESS) == 0.6
    assert read_threshold("SUCCESS_THRESHOLD: float = 2\n") == 2.0
    assert read_threshold("def compute_fitness(s, a, n):\n    return 0\n") is None
    for bad in ("SUCCESS_THRESHOLD = __import__('os').getpid()\n", "SUCCESS_THRESHOLD = 'high'\n",
                "SUCCESS_THRESHOLD = float('nan')\n", "SUCCESS_THRESHOLD = True\n"):
        with pytest.raises(RewardContractError, match="plain number"):
            read_threshold(bad)


def test_fitness_output_must_be_one_finite_value_per_env():
    assert validate_fitness_output([0.5, 1], 2).dtype == np.float64
    with pytest.raises(RewardContractError, match=r"shape \(3,\); expected \(2,\)"):
        validate_fitness_output(np.zeros(3), 2)
    with pytest.raises(RewardContractError, match="non-finite"):
        validate_fitness_output([np.nan, 1.0], 2)
    with pytest.raises(RewardContractError, match="numeric"):
        validate_fitness_output({"a": 1}, 1)


def test_a_fitness_program_gets_the_same_allow_list_as_a_reward():
    assert check_source(SPEED_FITNESS, "compute_fitness") == []
    rules = {i.rule for i in check_source("import os\n" + SPEED_FITNESS, "compute_fitness")}
    assert "import" in " ".join(rules)
    issues = check_source(SPEED_FITNESS, "compute_reward")
    assert [i.rule for i in issues] == ["signature"]


# -- the sandboxed trial -------------------------------------------------------------------------

def test_trial_accepts_a_measure_random_and_motionless_policies_do_not_meet(tmp_path):
    result = run_fitness_smoke_test(SPEED_FITNESS, "HalfCheetah-v5", 0.6, tmp_path / "t")
    assert result.ok, result.error
    baselines = result.result["baselines"]
    assert set(baselines) == {"random", "still"}
    assert all(b["reached"] == 0 and len(b["fitness"]) == 3 for b in baselines.values())
    assert max(baselines["still"]["fitness"]) < 0.05  # the cheetah at rest is not trotting
    pushed = result.result["pushed"]  # starts pushed to all speeds: some of them near 1 m/s
    assert pushed["states"] == 64 and pushed["max"] > pushed["min"] == 0.0


@pytest.mark.parametrize("body,threshold,kind,words", [
    ("return np.ones(len(action))", 0.5, "fitness_smoke", "same value"),
    ("return np.clip(1.0 - np.abs(next_state.torso_velocity[:, 0]), 0, 1)", 0.3,
     "fitness_smoke", "zero actions (doing nothing) already reach"),
    ("return np.zeros((len(action), 2))", 0.5, "contract", "shape"),
    ("return next_state.no_such_field", 0.5, "fitness", "no_such_field"),
])
def test_trial_rejects_a_measure_that_cannot_tell_success(tmp_path, body, threshold, kind, words):
    source = f"import numpy as np\n\ndef compute_fitness(state, action, next_state):\n    {body}\n"
    result = run_fitness_smoke_test(source, "HalfCheetah-v5", threshold, tmp_path / "t")
    assert not result.ok
    assert result.error_kind == kind, result.error
    assert words in result.error


def test_trial_refuses_forbidden_code_before_starting_a_sandbox(tmp_path):
    result = run_fitness_smoke_test("import os\n" + SPEED_FITNESS, "HalfCheetah-v5", 0.6,
                                    tmp_path / "t")
    assert result.error_kind == "fitness" and "fitness.py failed the static check" in result.error
    assert not (tmp_path / "t").exists()


# -- the offline composer ------------------------------------------------------------------------

@pytest.mark.parametrize("text,env,words", [
    (TROT, "HalfCheetah-v5", ["near 1 m/s", "upright"]),
    ("make the hopper hop backwards", "Hopper-v5", ["backward (-x)"]),
    ("make the humanoid sit down on the floor", "Humanoid-v5", ["upright"]),
    ("make the humanoid lie on its back", "Humanoid-v5", ["on its back"]),
    ("make the humanoid kneel on one knee", "Humanoid-v5", ["exactly one knee"]),
    ("make the walker stand on one leg", "Walker2d-v5", ["exactly one foot"]),
    ("make the ant turn left in place", "Ant-v5", ["counter-clockwise", "staying in place"]),
    ("make the walker walk backwards slowly", "Walker2d-v5", ["slowly"]),
])
def test_offline_composer_measures_each_qualifier(text, env, words):
    measure = compose_success_measure(text, get_description(env))
    assert check_source(measure.source, "compute_fitness") == []
    assert read_threshold(measure.source) == measure.threshold
    for word in words:
        assert word in measure.summary, measure.summary


def test_offline_composer_says_what_it_cannot_measure():
    with pytest.raises(MeasureNotExpressible, match="--fitness FILE"):
        compose_success_measure("make the humanoid do a backflip", get_description("Humanoid-v5"))
    with pytest.raises(MeasureNotExpressible, match="understands moving"):
        compose_success_measure("make the cheetah happy", get_description("HalfCheetah-v5"))


# -- design runs ---------------------------------------------------------------------------------

def test_design_writes_the_measure_first_and_a_resume_keeps_it(tmp_path):
    lines: list[str] = []
    run = design(TROT, out=tmp_path, say=lines.append, designer="offline", **TINY)
    root = run.path
    meta = json.loads((root / "fitness.json").read_text())
    source = (root / "fitness.py").read_text()
    assert meta["threshold"] == read_threshold(source) == 0.5
    assert "offline designer" in meta["origin"] and not meta["user_supplied"]
    assert any("no built-in fitness measures this text" in line for line in lines)
    assert any(line.startswith("success measure") for line in lines)
    text = "\n".join(lines)
    assert text.index("success measure") < text.index("iteration 0")  # before any reward
    report = json.loads((root / "iter_0" / "report.json").read_text())
    scored = [c for c in report["candidates"] if c.get("fitness") is not None]
    assert scored, report  # candidates were ranked by the written measure
    metrics = json.loads(next(root.glob("iter_0/cand_*/metrics.json")).read_text())
    assert metrics["task"] == "written" and metrics["success_threshold"] == 0.5
    from rewardsmith.results.inspect import inspect_run

    view = inspect_run(root)
    assert view.measure.threshold == 0.5 and view.measure.source == source
    assert "near 1 m/s" in view.measure.doc
    from rewardsmith.results.report import report_run

    page = report_run(root).read_text()
    assert "Success measure" in page and "near 1 m/s" in page and "compute_fitness" in page
    # a resume reads the measure back, and refuses one changed behind the run's back
    before = (root / "fitness.json").read_bytes()
    lines.clear()
    resume(root, say=lines.append)
    assert (root / "fitness.json").read_bytes() == before
    assert any("success measure: " in line for line in lines)
    (root / "fitness.py").write_text(source.replace("0.25", "5.0"))
    with pytest.raises(RewardsmithError, match="changed after it started"):
        resume(root, say=lines.append)


def test_design_takes_the_users_fitness_and_threshold(tmp_path):
    path = tmp_path / "fitness.py"
    path.write_text(SPEED_FITNESS)
    run = design("make the half cheetah run backwards", out=tmp_path / "runs", say=print,
                 designer="offline", fitness_file=str(path), threshold=0.7, **TINY)
    meta = json.loads((run.path / "fitness.json").read_text())
    assert meta["threshold"] == 0.7 and meta["user_supplied"]
    assert (run.path / "fitness.py").read_text() == SPEED_FITNESS


def test_a_bad_user_fitness_stops_before_any_candidate(tmp_path):
    path = tmp_path / "fitness.py"
    path.write_text(SPEED_FITNESS.replace("SUCCESS_THRESHOLD = 0.6\n", ""))
    with pytest.raises(RewardsmithError, match="sets no SUCCESS_THRESHOLD"):
        design(TROT, out=tmp_path / "runs", say=print, designer="offline",
               fitness_file=str(path), **TINY)
    path.write_text("import numpy as np\nSUCCESS_THRESHOLD = 0.5\n"
                    "def compute_fitness(state, action, next_state):\n"
                    "    return np.ones(len(action))\n")
    with pytest.raises(RewardsmithError, match="cannot measure success"):
        design(TROT, out=tmp_path / "runs2", say=print, designer="offline",
               fitness_file=str(path), **TINY)
    assert not list((tmp_path / "runs2").glob("*/iter_0"))


REWARD = """```python
import numpy as np

def compute_reward(state, action, next_state):
    v = next_state.torso_velocity[:, 0]
    pace = -np.abs(v - 1.0)
    cost = -0.1 * np.sum(action ** 2, axis=1)
    return pace + cost, {"pace": pace, "action_cost": cost}
```"""
CONSTANT_FITNESS = ("```python\nimport numpy as np\nSUCCESS_THRESHOLD = 0.5\n\n"
                    "def compute_fitness(state, action, next_state):\n"
                    "    return np.ones(len(action))\n```")


def test_llm_writes_the_measure_once_and_repairs_it(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    rules = [
        Rule(f"The measure:\n```python\n{SPEED_FITNESS}```", match="could not be used",
             on="user"),
        Rule(CONSTANT_FITNESS, match="SUCCESS MEASURE", on="system", times=1),
        Rule('{"verdict": "accept", "reasons": ["ok"], "fix": ""}',
             match="You review reward functions", on="system"),
        Rule(REWARD, match="expert reinforcement-learning engineer", on="system"),
    ]
    with FakeOpenAIServer(rules, default_reply=REWARD) as server:
        lines: list[str] = []
        run = design(TROT, out=tmp_path, say=lines.append, designer="llm",
                     base_url=server.base_url, model="fake-model", **TINY)
        asked = [r.body["messages"][0]["content"] for r in server.chat_requests]
    assert sum("SUCCESS MEASURE" in m for m in asked) == 2  # written once, repaired once
    assert any("attempt 1 rejected" in line and "same value" in line for line in lines)
    assert (run.path / "fitness.py").read_text().strip() == SPEED_FITNESS.strip()
    meta = json.loads((run.path / "fitness.json").read_text())
    assert "LLM designer" in meta["origin"] and meta["threshold"] == 0.6
    assert any("_fitness_" in p.name for p in (run.path / "llm").glob("*.json"))
    report = json.loads((run.path / "iter_0" / "report.json").read_text())
    assert any(c.get("fitness") is not None for c in report["candidates"])


def test_fitness_cli_check(tmp_path):
    from typer.testing import CliRunner

    from rewardsmith.cli import app

    path = tmp_path / "fitness.py"
    path.write_text(SPEED_FITNESS)
    result = CliRunner().invoke(app, ["check", str(path), "--env", "HalfCheetah-v5"])
    assert result.exit_code == 0, result.output
    assert "usable with rewardsmith design --fitness" in result.output
    result = CliRunner().invoke(app, ["check", str(path), "--env", "HalfCheetah-v5",
                                      "--threshold", "0.0"])
    assert result.exit_code == 1 and "already reach" in result.output


def test_fitness_file_path_must_exist(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "rewardsmith", "design", TROT, "--fitness",
                           str(tmp_path / "nope.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and "no such file" in proc.stdout + proc.stderr
    assert not list(tmp_path.glob("*/run.json"))


class _LabelOnlyClient:  # only the label is read before _messages
    class config:  # noqa: N801
        model = "m"

        @staticmethod
        def endpoint() -> str:
            return "e"


def _designer_prompt(text: str, with_note: bool = True):
    """The resolved request and the user message the LLM designer would send for ``text``."""
    from rewardsmith.designers.base import DesignRequest
    from rewardsmith.designers.llm import LLMDesigner
    from rewardsmith.envs.task_resolution import resolve_task

    resolved = resolve_task(text)
    request = DesignRequest(resolved.text, get_description(resolved.env_id), 1, 0,
                            env_note=resolved.env_kwargs_reason if with_note else "")
    return resolved, LLMDesigner(_LabelOnlyClient())._messages(request)[1]["content"]


def test_the_reward_prompt_says_how_episodes_run_for_a_low_pose():
    resolved, user = _designer_prompt("make the humanoid sit down on the floor")
    assert resolved.env_kwargs == {"terminate_when_unhealthy": False}
    assert "## How episodes run for this request" in user
    assert "terminate_when_unhealthy=False" in user
    _, plain = _designer_prompt("make the humanoid sit down on the floor", with_note=False)
    assert "How episodes run" not in plain


def test_the_reward_prompt_says_how_a_built_in_tasks_episodes_run():
    # humanoid-kneel ends an episode at knee height, not at the 1.0 m the description states
    resolved, user = _designer_prompt("make humanoid kneel")
    assert resolved.task.id == "humanoid-kneel"
    assert "## How episodes run for this request" in user
    assert "healthy_z_range=(0.49, 2.0)" in user


def test_the_trial_summary_says_what_the_pushed_starts_scored():
    from rewardsmith.run.fitness import summarise_trial

    text = summarise_trial({"threshold": 0.5, "per_step": {"min": 0.0, "mean": 0.0, "max": 0.0},
                            "baselines": {"random": {"fitness": [0.0], "reached": 0}},
                            "pushed": {"states": 64, "min": 0.0, "max": 0.82}})
    assert "random actions: episode fitness up to 0.000" in text
    assert "64 starts with pushed velocities: 0.000 to 0.820" in text
