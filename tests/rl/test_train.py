"""rewardsmith.train: artifacts on disk, periodic evaluation, continuing from a checkpoint."""

from __future__ import annotations

import json

import pytest

from rewardsmith.rl.training import train


def test_train_writes_artifacts(tmp_path):
    events = []
    result = train(task="pendulum-balance", steps=2048, out=tmp_path, progress=events.append,
                   eval_every=1024)
    for name in ("metrics.json", "policy.zip", "vecnormalize.pkl", "video.mp4"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "video.mp4").stat().st_size > 1000
    assert any((tmp_path / "tensorboard").rglob("events.out.tfevents*"))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["task"] == "pendulum-balance" and metrics["steps"] >= 2048
    assert len(metrics["evals"]) >= 2
    final = metrics["final"]
    assert 0.0 <= final["fitness_mean"] <= 1.0 and final["success_rate"] is not None
    assert set(final["component_returns"]) == {"upright", "centred", "effort"}
    assert metrics["evals"][0]["training_components"]["upright"]["mean"] > 0
    kinds = {e["event"] for e in events}
    assert {"start", "eval", "done"} <= kinds
    assert result.fitness == final["fitness_mean"]


def test_continue_from_checkpoint(tmp_path):
    train(task="pendulum-balance", steps=1024, out=tmp_path / "a", video=False)
    result = train(task="pendulum-balance", steps=2048, out=tmp_path / "b", video=False,
                   init_from=tmp_path / "a")
    assert result.metrics["steps"] >= 2048
    assert result.metrics["evals"][0]["steps"] > 1024


def test_should_stop_ends_training_early(tmp_path):
    result = train(task="pendulum-balance", steps=20_000, out=tmp_path, video=False,
                   eval_every=1000, should_stop=lambda record: True)
    assert result.metrics["steps"] < 20_000


def test_stop_at_fitness_ends_at_the_first_evaluation_that_reaches_it(tmp_path):
    # Fitness is a fraction of the horizon (>= 0): every evaluation reaches 0, none reaches 2.
    reached = train(task="pendulum-balance", steps=6000, out=tmp_path / "a", video=False,
                    eval_every=2000, stop_at_fitness=0.0)
    assert [e["steps"] for e in reached.metrics["evals"]] == [reached.metrics["steps"]]
    assert reached.metrics["steps"] < 4000 and reached.metrics["first_success_steps"] is None
    never = train(task="pendulum-balance", steps=4000, out=tmp_path / "b", video=False,
                  eval_every=2000, stop_at_fitness=2.0)
    assert never.metrics["steps"] >= 4000 and len(never.metrics["evals"]) >= 2


def test_a_train_job_ends_at_its_next_evaluation_once_the_parent_asks(tmp_path):
    # The evaluator asks a running job to end by creating its end file (another candidate
    # reached the threshold): the job ends at its next evaluation and keeps its policy.
    from rewardsmith.resources import resource_dir
    from rewardsmith.sandbox.jobs.train import run_train

    reference = resource_dir("envs") / "tasks" / "reference" / "pendulum_balance.py"
    (tmp_path / "end_now").touch()
    out = run_train(str(reference), tmp_path, lambda event: None, out="rung_0",
                    task="pendulum-balance", steps=8000, eval_every=2000, video=False,
                    end_file="end_now")
    assert out["metrics"]["steps"] < 4000 and len(out["metrics"]["evals"]) == 1
    assert (tmp_path / "rung_0" / "policy.zip").is_file()
    with pytest.raises(ValueError, match="leaves the job folder"):
        run_train(str(reference), tmp_path, lambda event: None, task="pendulum-balance",
                  steps=1000, video=False, end_file="../elsewhere")


@pytest.mark.slow
def test_pendulum_reaches_success_within_default_budget(tmp_path):
    result = train(task="pendulum-balance", out=tmp_path, video=False)
    assert result.success, result.metrics["final"]


def test_a_task_with_its_own_settings_trains_with_them_under_the_callers(tmp_path):
    # cheetah-flip starts the action noise at std 1 (log_std_init 0) on the tuned network; a
    # caller's override goes on top, and metrics.json records what was changed.
    from rewardsmith.rl.safe_policy import load_safe_policy

    result = train(task="cheetah-flip", steps=2048, out=tmp_path / "flip", video=False,
                   eval_every=2048, algo_kwargs={"learning_rate": 1e-4})
    assert result.metrics["algo_kwargs"] == {"policy_kwargs": {"log_std_init": 0.0},
                                             "learning_rate": 1e-4}
    flip = load_safe_policy(tmp_path / "flip", "HalfCheetah-v5",
                            algo_kwargs=result.metrics["algo_kwargs"]).policy
    run = train(task="cheetah-run", steps=2048, out=tmp_path / "run", video=False,
                eval_every=2048)
    assert run.metrics["algo_kwargs"] == {}
    tuned = load_safe_policy(tmp_path / "run", "HalfCheetah-v5").policy
    # one update moves a log std by hundredths: each still sits at its start
    assert float(flip.log_std.mean()) == pytest.approx(0.0, abs=0.1)
    assert float(tuned.log_std.mean()) == pytest.approx(-2.0, abs=0.1)
    assert flip.mlp_extractor.policy_net[0].out_features == 256  # the tuned network kept
