"""Using a run's result: ``export`` writes into the current folder (or where it is told) with
the usual file mode and says where; the exported class takes another reward file as well as its
own; the HTML report shows how to use it."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import gymnasium as gym
import pytest
from typer.testing import CliRunner

from rewardsmith.cli import app
from rewardsmith.envs.registry import get_task
from rewardsmith.results.export import export_run
from rewardsmith.results.report import report_run
from rewardsmith.run_dir import RunDir
from rewardsmith.safe_files import write_json

runner = CliRunner()
TASK = get_task("pendulum-balance")


@pytest.fixture
def run(tmp_path) -> Path:
    """A run folder with just what export and report read: its config and its best entry."""
    run = RunDir(tmp_path / "runs" / "run-1")
    run.root.mkdir(parents=True)
    write_json(run.run_json, {"config": {"env_id": TASK.env_id, "task_id": TASK.id,
                                         "text": "balance the pole", "env_kwargs": {}}})
    source = TASK.reference_reward_path.read_text()
    write_json(run.state_json, {"best": {"source": source, "iteration": 0,
                                         "candidate": "cand_0", "fitness": 0.9}})
    run.best_dir.mkdir()
    run.best_reward.write_text(source)
    return run.root


def test_export_writes_into_the_current_folder_with_the_usual_mode(run, tmp_path,
                                                                   monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    umask = os.umask(0o022)
    try:
        result = runner.invoke(app, ["export", str(run)])
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    path = project / "pendulum_balance_reward.py"
    assert path.is_file() and not list((run / "best").glob("*_reward.py"))
    assert path.stat().st_mode & 0o777 == 0o644
    assert "wrote" in result.output and path.name in result.output.replace("\n", "")


def test_export_into_a_folder_given(run, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert export_run(run, folder) == folder / "pendulum_balance_reward.py"


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_exported_class_takes_a_reward_file_or_callable(run, tmp_path):
    module = _import(export_run(run, tmp_path / "balance.py"))
    other = tmp_path / "other.py"
    other.write_text("import numpy as np\n\ndef compute_reward(state, action, next_state):\n"
                     "    one = np.ones(len(action))\n    return one, {'one': one}\n")
    for reward in (other, str(other), lambda s, a, n: (a[:, 0] * 0 + 1, {"one": a[:, 0] * 0 + 1})):
        env = module.PendulumBalanceReward(gym.make(TASK.env_id), reward=reward)
        env.reset(seed=0)
        _, r, _, _, info = env.step(env.action_space.sample())
        assert r == 1.0 and info["reward_components"] == {"one": 1.0}
    default = module.PendulumBalanceReward(gym.make(TASK.env_id))
    default.reset(seed=0)
    assert set(default.step(default.action_space.sample())[-1]["reward_components"]) == {
        "upright", "centred", "effort"}
    with pytest.raises(FileNotFoundError, match=r"reward='.*missing.py'"):
        module.PendulumBalanceReward(gym.make(TASK.env_id), reward=tmp_path / "missing.py")
    with pytest.raises(TypeError, match="reward file path or a callable"):
        module.PendulumBalanceReward(gym.make(TASK.env_id), reward=3)


def test_the_report_has_a_use_it_section(run):
    page = report_run(run).read_text()
    section = page[page.index('id="use-it"'):]
    assert f"rewardsmith export {run}" in section
    assert ("from pendulum_balance_reward import ENV_ID, ENV_KWARGS, PendulumBalanceReward"
            in section)
    assert "env = PendulumBalanceReward(gym.make(ENV_ID, **ENV_KWARGS))" in section
    assert "rewardsmith.RewardWrapper(gym.make(&#39;InvertedPendulum-v5&#39;), reward)" in section
