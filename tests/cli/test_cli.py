"""The CLI through typer's CliRunner: exit codes, output, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from rewardsmith.cli import app

runner = CliRunner()


def test_envs_lists_envs_and_tasks():
    result = runner.invoke(app, ["envs"])
    assert result.exit_code == 0, result.output
    assert "HalfCheetah-v5" in result.output and "humanoid-kneel" in result.output


def test_describe_prints_the_designer_text():
    result = runner.invoke(app, ["describe", "Hopper-v5", "--raw"])
    assert result.exit_code == 0
    assert "torso_height" in result.output and "thigh_joint" in result.output


def test_train_task_with_reference_reward(tmp_path):
    result = runner.invoke(app, ["train", "--task", "pendulum-balance", "--steps", "1024",
                                 "--out", str(tmp_path), "--no-video"])
    assert result.exit_code == 0, result.output
    assert "fitness" in result.output
    assert json.loads((tmp_path / "metrics.json").read_text())["steps"] >= 1024


def test_errors_are_one_line_and_exit_1():
    for args, message in ((["describe", "Nope-v0"], "Known environments"),
                          (["train", "--task", "nope"], "Built-in tasks"),
                          (["train"], "exactly one of --task")):
        proc = subprocess.run([sys.executable, "-m", "rewardsmith", *args], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert "error:" in proc.stderr and message in proc.stderr
        assert "Traceback" not in proc.stderr


def test_bad_design_settings_are_one_line_and_make_no_run(tmp_path):
    out = tmp_path / "runs"
    for args, message in ((["--candidates", "0"], "candidates: Input should be greater"),
                          (["--rungs", "0.5,0.25,1"], "rungs must increase strictly"),
                          (["--rungs", "0.25,0.5"], "the last rung must be 1.0"),
                          (["--rungs", "a,1"], "--rungs takes comma-separated fractions"),
                          (["--min-keep", "0"], "min_keep"),
                          (["--feedback", "preference", "--no-video"],
                           "--feedback preference ranks the rollout videos, so it needs them")):
        proc = subprocess.run([sys.executable, "-m", "rewardsmith", "design", "--task",
                               "pendulum-balance", "--designer", "offline", "--out", str(out),
                               *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert "error:" in proc.stderr and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_train_summary_says_when_the_policy_written_is_the_best_evaluations(tmp_path):
    from rich.console import Console

    from rewardsmith.cli.train import _print_summary

    final = {"fitness_mean": 0.91, "fitness_std": 0.05, "episode_length": 1000.0,
             "env_return": 12.0, "component_returns": {}}
    metrics = {"steps": 2_000_000, "wall_s": 2700.0, "success_threshold": 0.8, "success": True,
               "first_success_steps": 1_200_000, "final": final,
               "last": {**final, "fitness_mean": 0.58},
               "returned": {"from": "best", "steps": 1_800_000, "picked_by_fitness": 0.92}}
    console = Console(record=True, width=200)
    _print_summary(console, metrics, tmp_path, "humanoid-stand", None)
    text = console.export_text()
    assert "the best evaluation's, at 1,800,000 steps (scored 0.920" in text
    assert "the last scored 0.580" in text and "0.910" in text
    console = Console(record=True, width=200)
    _print_summary(console, {**metrics, "returned": {"from": "last"}}, tmp_path, "x", None)
    assert "policy written" not in console.export_text()
