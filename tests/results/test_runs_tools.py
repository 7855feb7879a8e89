"""``rewardsmith inspect``, ``export`` and ``report`` on a small real run directory."""

from __future__ import annotations

import importlib.util
import inspect
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from typer.testing import CliRunner

from rewardsmith import RewardWrapper, load_reward
from rewardsmith.cli import app
from rewardsmith.errors import RewardsmithError
from rewardsmith.results.export import export_run, export_source
from rewardsmith.results.inspect import inspect_run
from rewardsmith.results.report import report_run

runner = CliRunner()

# Reads every field of the locomotion description (iterating the state), so the export must
# generate all of them: torso, joints, bodies, contacts, dt, time.
EVERY_FIELD = """
import numpy as np


def _total(value, b):
    if isinstance(value, dict):
        return sum(_total(v, b) for v in value.values())
    return np.asarray(value, dtype=np.float64).reshape(b, -1).sum(axis=1)


def compute_reward(state, action, next_state):
    b = len(action)
    parts = {name: 0.01 * _total(next_state[name], b) - 0.02 * _total(state[name], b)
             for name in next_state}
    return sum(parts.values()), parts
"""

# Run in `python -I` (no cwd, no PYTHONPATH, no user site) with rewardsmith made unimportable.
ALONE = textwrap.dedent("""
    import importlib, json, sys
    sys.modules["rewardsmith"] = None
    sys.path.insert(0, sys.argv[1])
    import gymnasium as gym
    mod = importlib.import_module(sys.argv[2])
    env = getattr(mod, sys.argv[3])(gym.make(mod.ENV_ID, **mod.ENV_KWARGS))
""")


def _roll(env: gym.Env, n: int = 50) -> list:
    """Rewards, original rewards and components of ``n`` seeded random steps."""
    out = []
    env.reset(seed=7)
    env.action_space.seed(7)
    for _ in range(n):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        out.append([reward, info["original_env_rew"], info["reward_components"]])
        if terminated or truncated:
            env.reset()
    return out


def _assert_same(ours: list, theirs: list) -> None:
    assert len(ours) == len(theirs)
    for (r1, o1, c1), (r2, o2, c2) in zip(ours, theirs, strict=True):
        assert r1 == pytest.approx(r2, abs=1e-12) and o1 == o2
        assert c1.keys() == c2.keys()
        assert all(c1[k] == pytest.approx(c2[k], abs=1e-12) for k in c1)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    from rewardsmith.run.api import design

    run = design(task="pendulum-balance", out=tmp_path_factory.mktemp("runs"), iterations=2,
                 candidates=2, steps=1024, workers=2, reeval_seeds=1, halving=False,
                 stop_on_success=False, say=lambda line: None)
    return run.path


@pytest.fixture
def run_copy(run_dir, tmp_path) -> Path:
    """A light copy of the run to edit (no sandbox folders, policies or videos)."""
    target = tmp_path / run_dir.name
    shutil.copytree(run_dir, target, ignore=shutil.ignore_patterns(
        "sandbox", "smoke_*", "*.zip", "*.pkl", "*.mp4"))
    return target


def test_inspect_reads_the_run(run_dir):
    view = inspect_run(run_dir)
    state = json.loads((run_dir / "state.json").read_text())
    assert [it.index for it in view.iterations] == [0, 1]
    assert all(it.finished and len(it.candidates) == 2 for it in view.iterations)
    assert view.best == state["best"] and view.llm is None
    states = {c.state for it in view.iterations for c in it.candidates}
    assert states <= {"trained", "stopped early", "failed", "rejected"}
    best = view.iterations[view.best["iteration"]].candidates[
        int(view.best["candidate"].split("_")[1])]
    assert best.fitness == pytest.approx(view.best["fitness"]) and best.video is not None


def test_inspect_cli_shows_table_best_code_diff_and_llm_cost(run_copy):
    state = json.loads((run_copy / "state.json").read_text())
    before = state["best"]
    tuned = before["source"].replace("def compute_reward", "# tuned\ndef compute_reward")
    after = {**before, "iteration": 1, "candidate": "cand_1", "source": tuned}
    state["best_history"] = [before, after]
    state["best"] = after
    (run_copy / "state.json").write_text(json.dumps(state))
    (run_copy / "llm").mkdir()
    for i, (tokens, cost) in enumerate([(1000, 0.01), (500, 0.005)]):
        (run_copy / "llm" / f"0000{i}_designer_abcd.json").write_text(json.dumps(
            {"status": "ok", "purpose": "designer", "cost_usd": cost,
             "usage": {"prompt_tokens": tokens, "completion_tokens": 100}}))
    result = runner.invoke(app, ["inspect", str(run_copy)], terminal_width=140)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "iteration" in out and "cand_0" in out and "cand_1" in out and "★" in out
    assert "def compute_reward" in out
    assert f"iter_{before['iteration']}/{before['candidate']} -> iter_1/cand_1" in out
    assert "+# tuned" in out
    assert "LLM: 2 calls" in out and "1,500 prompt" in out and "$0.0150" in out


def test_commands_refuse_what_is_not_a_run(tmp_path, run_dir):
    result = runner.invoke(app, ["inspect", str(tmp_path)])
    assert result.exit_code != 0 and isinstance(result.exception, RewardsmithError)
    assert "is not a rewardsmith run" in str(result.exception)
    result = runner.invoke(app, ["report", str(run_dir.parent)])
    assert "holds runs, it is not one" in str(result.exception)
    (tmp_path / "run.json").write_text(json.dumps({"config": {"env_id": "InvertedPendulum-v5"}}))
    with pytest.raises(RewardsmithError, match="has no best reward yet"):
        export_run(tmp_path)


def test_export_runs_alone_and_matches_reward_wrapper(run_dir, tmp_path):
    out = tmp_path / "mine" / "pendulum_balance_reward.py"
    result = runner.invoke(app, ["export", str(run_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "self-contained" in result.output
    text = out.read_text()
    assert "rewardsmith import" not in text and "class PendulumBalanceReward(gym.Wrapper)" in text
    assert "DummyVecEnv([lambda: PendulumBalanceReward(gym.make(ENV_ID, **ENV_KWARGS))])" in text
    script = ALONE + inspect.getsource(_roll) + "\nprint(json.dumps(_roll(env)))\n"
    completed = subprocess.run(
        [sys.executable, "-I", "-c", script, str(out.parent), out.stem,
         "PendulumBalanceReward"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert completed.returncode == 0, completed.stderr
    ours = json.loads(completed.stdout)
    theirs = _roll(RewardWrapper(gym.make("InvertedPendulum-v5"),
                                 load_reward(run_dir / "best" / "reward.py")))
    _assert_same(ours, theirs)
    assert len({round(r, 9) for r, _, _ in ours}) > 1  # the rewards really vary


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("env_id, kwargs", [("HalfCheetah-v5", {}),
                                            ("Humanoid-v5", {"terminate_when_unhealthy": False})])
def test_export_locomotion_extracts_every_field_like_rewardsmith(tmp_path, env_id, kwargs):
    path = tmp_path / "every_field.py"
    path.write_text(export_source(EVERY_FIELD, env_id, kwargs, "EveryReward",
                                  module_name="every_field"))
    assert "rewardsmith import" not in path.read_text()
    module = _import(path)
    assert set(module.FIELDS) >= {"torso_velocity", "joint_angles", "contacts", "dt", "time"}
    assert ("geom_positions" in module.FIELDS) == (env_id == "Humanoid-v5")  # hands and head
    (tmp_path / "reward.py").write_text(EVERY_FIELD)
    _assert_same(_roll(module.EveryReward(gym.make(env_id, **kwargs)), 30),
                 _roll(RewardWrapper(gym.make(env_id, **kwargs),
                                     load_reward(tmp_path / "reward.py")), 30))


def test_export_falls_back_to_rewardsmith_for_fields_it_cannot_write_out(tmp_path):
    import rewardsmith
    from rewardsmith.envs.descriptions import ActionRow, EnvDescription, Field, build_layout

    def build(model, dt):
        return EnvDescription(
            env_id="ExportPointMass-v0", title="PointMass", summary="A ball on a plane.",
            fields=[Field("ball_x", "(B,)", "m", "x of the ball", lambda r: r.qpos[:, 0].copy()),
                    Field("speed", "(B,)", "m/s", "speed of the ball",
                          lambda r: np.linalg.norm(r.qvel, axis=1))],
            actions=[ActionRow(0, "push x", -1, 1, "x", "N"), ActionRow(1, "push y", -1, 1, "y",
                                                                       "N")],
            notes=[], layout=build_layout([("qpos", (2,)), ("qvel", (2,))]), dt=dt,
            snapshot_fn=lambda data: np.concatenate((data.qpos, data.qvel)))

    gym.register("ExportPointMass-v0", entry_point="custom_point_env:PointMassEnv",
                 max_episode_steps=50)
    rewardsmith.register_env_description("ExportPointMass-v0", build)
    reward = ("import numpy as np\n\ndef compute_reward(state, action, next_state):\n"
              "    go = next_state.ball_x + next_state.speed\n    return go, {'go': go}\n")
    path = tmp_path / "point_reward.py"
    path.write_text(export_source(reward, "ExportPointMass-v0", {}, "PointReward"))
    assert "from rewardsmith import RewardWrapper" in path.read_text()
    assert "Not self-contained" in path.read_text()
    (tmp_path / "reward.py").write_text(reward)
    _assert_same(_roll(_import(path).PointReward(gym.make("ExportPointMass-v0")), 20),
                 _roll(RewardWrapper(gym.make("ExportPointMass-v0"),
                                     load_reward(tmp_path / "reward.py")), 20))


def test_report_cli_writes_a_self_contained_page(run_dir):
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    page = (run_dir / "report.html").read_text()
    assert page.count("<svg") > 4 and "task score" in page and "<video" in page
    videos = [v.split('"')[0] for v in page.split('<video src="')[1:]]
    assert videos and all((run_dir / v).is_file() and not v.startswith("/") for v in videos)
    assert "<script src" not in page and "<link" not in page and "https://" not in page
    assert "Iteration 1" in page and "feedback after iteration 0" in page
    components = json.loads((run_dir / "best" / "metrics.json").read_text())["final"][
        "component_returns"]
    assert all(name in page for name in components)


def test_report_elsewhere_links_videos_relative_to_the_page(run_dir, tmp_path):
    page_path = report_run(run_dir, tmp_path)
    assert page_path == tmp_path / "report.html"
    videos = [v.split('"')[0] for v in page_path.read_text().split('<video src="')[1:]]
    assert videos and all((tmp_path / v).resolve().is_file() for v in videos)
