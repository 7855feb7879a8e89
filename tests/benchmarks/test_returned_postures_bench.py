"""benchmarks/bench_returned_postures.py: a real (tiny) ant-run training's policy, rolled out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gymnasium as gym
import mujoco
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_returned_postures
import common

from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.rl.training import train


def test_an_ant_on_its_back_rests_where_ant_v5_lets_the_episode_go_on():
    """Why the bench reports flips: Ant-v5 ends an episode on the torso's height alone."""
    env = gym.make("Ant-v5", include_cfrc_ext_in_observation=False)
    env.reset(seed=0)
    model, data = env.unwrapped.model, env.unwrapped.data
    description = get_description("Ant-v5")

    def up() -> float:
        return float(description.state_from_snapshots(
            description.snapshot(data)[None]).torso_up[0])

    assert up() > 0.9  # reset noise tilts it a little
    data.qpos[3:7] = [0.0, 1.0, 0.0, 0.0]  # half a turn about x: legs up
    data.qpos[2] = 0.4
    data.qvel[:] = 0.0
    for _ in range(300):  # let it fall and settle on its back
        mujoco.mj_step(model, data)
    assert up() < -0.9
    assert env.unwrapped.is_healthy and 0.2 < data.qpos[2] < 0.35
    env.close()


def test_each_new_episode_of_a_returned_policy_is_described(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path / "results")
    runs = tmp_path / "runs"
    train(task="ant-run", steps=2_048, seed=0, out=runs / "ant-run" / "seed0", video=False,
          eval_every=2_048, n_eval_episodes=1)
    assert bench_returned_postures.main(["--task", "ant-run", "--runs", str(runs), "--seeds", "0",
                                         "--episodes", "2", "--name", "t"]) == 0
    data = json.loads((tmp_path / "results" / "postures_ant-run_t.json").read_text())
    episodes = data["episodes"]["0"]
    horizon = gym.spec("Ant-v5").max_episode_steps
    assert [e["episode"] for e in episodes] == [0, 1]
    for e in episodes:
        assert 1 <= e["length"] <= horizon
        assert e["ended_by_env"] == (e["length"] < horizon)
        assert e["on_its_back"] == (e["torso_up"] < 0)
        assert np.isfinite(e["speed_over_horizon"])
        # right side up the whole episode, the fitness is about the distance over the horizon
        if e["torso_up"] > 0.5 and not e["ended_by_env"]:
            assert e["fitness"] == pytest.approx(e["speed_over_horizon"], abs=0.05)
    [row] = data["rows"]
    assert row[:4] == [0, 2, sum(e["on_its_back"] for e in episodes),
                       sum(e["ended_by_env"] for e in episodes)]
    fitness = [e["fitness"] for e in episodes]
    assert row[6] == pytest.approx(np.mean(fitness))
    assert row[7] == sum(f >= 1.0 for f in fitness)
    assert data["summary"]["task"] == "ant-run" and get_task("ant-run").env_id == "Ant-v5"


def test_a_missing_policy_is_refused_with_the_command_that_makes_one(tmp_path):
    with pytest.raises(SystemExit, match="bench_reference_runs.py --out"):
        bench_returned_postures.main(["--task", "ant-run", "--runs", str(tmp_path)])
