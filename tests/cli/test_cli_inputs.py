"""Every command checks its inputs before any work: one ``error:`` line, exit 1, nothing made.

Each test runs the installed entry point (``python -m rewardsmith``) as a subprocess, the way a
user meets it: a traceback, a silent 200,000-step training for ``--steps 0`` or an exit 0 after
nothing trained are the failures these guard against.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewardsmith.run_dir import RunDir
from rewardsmith.safe_files import write_json, write_text
from rewardsmith.testing import FakeOpenAIServer

pytestmark = pytest.mark.timeout(300)

TRAIN = ["train", "--task", "pendulum-balance", "--no-video"]
DESIGN = ["design", "--task", "pendulum-balance", "--designer", "offline"]


def _run(args: list[str], cwd: Path, env: dict | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    environ["XDG_CONFIG_HOME"] = str(cwd / "no-config")
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "rewardsmith", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _one_error_line(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and proc.stderr.strip().splitlines()[-1] == errors[0], proc.stderr
    assert all(n in errors[0] for n in needles), errors[0]
    return errors[0]


@pytest.mark.parametrize(("flags", "needles"), [
    (["--n-envs", "0"], ("--n-envs must be between 1 and", "got 0")),
    (["--algo", "bogus"], ("--algo must be one of ppo, sac", "'bogus'")),
    (["--steps", "0"], ("--steps must be a positive number", "got 0")),
    (["--steps", "-5"], ("--steps must be a positive number", "got -5")),
    (["--seed", "-1"], ("--seed must be between 0 and",)),
    (["--reward", "binary.py"], ("binary.py is not UTF-8 text",)),
    (["--reward", "folder"], ("folder is not a file",)),
    (["--reward", "missing.py"], ("missing.py does not exist",)),
    (["--out", "a_file"], ("--out a_file is a file, not a folder",)),
    (["--out", "a_file/below"], ("--out a_file/below cannot be used as a folder",)),
    (["--out", "/proc/rewardsmith-test"], ("cannot be used as a folder",)),
])
def test_a_bad_train_flag_is_one_line_before_any_training(tmp_path, flags, needles):
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe not utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "a_file").write_text("x")
    t0 = time.monotonic()
    args = [*TRAIN, *flags] if "--out" in flags else [*TRAIN, "--out", "out", *flags]
    _one_error_line(_run(args, tmp_path), *needles)
    assert time.monotonic() - t0 < 60  # checked up front: no training started
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("flags", "needles"), [
    (["--seed", "-1"], ("seed", "between 0 and")),
    (["--max-cost", "-1"], ("max_cost", "0 or more")),
    (["--max-tokens", "-1"], ("max_tokens", "0 or more")),
    (["--timeout", "0"], ("timeout", "greater than 0")),
    (["--out", "a_file"], ("--out a_file is a file",)),
    (["--out", "/proc/rewardsmith-test"], ("--out /proc/rewardsmith-test cannot be used",)),
])
def test_a_bad_design_flag_is_one_line_and_makes_no_run(tmp_path, flags, needles):
    (tmp_path / "a_file").write_text("x")
    args = [*DESIGN, *flags] if "--out" in flags else [*DESIGN, "--out", "runs", *flags]
    _one_error_line(_run(args, tmp_path), *needles)
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())


def test_design_timeout_reaches_the_llm_and_a_hung_endpoint_fails_in_seconds(tmp_path):
    with FakeOpenAIServer(default_reply="never sent") as srv:
        srv.delay_next(100, seconds=60.0)  # bounded: stopping the server wakes it
        t0 = time.monotonic()
        proc = _run(["design", "--task", "pendulum-balance", "--designer", "llm",
                     "--candidates", "1", "--iterations", "1", "--timeout", "0.5",
                     "--out", "runs"], tmp_path,
                    env={"OPENAI_BASE_URL": srv.base_url, "OPENAI_API_KEY": "sk-test"})
        took = time.monotonic() - t0
        endpoint = srv.base_url
    line = _one_error_line(proc, endpoint, "did not answer within 0.5 s", "2 attempts",
                           "--timeout")
    assert took < 60, took
    (run,) = (tmp_path / "runs").iterdir()
    assert json.loads((run / "run.json").read_text())["config"]["timeout"] == 0.5
    (record,) = [json.loads(p.read_text()) for p in (run / "llm").glob("*.json")]
    assert [a["outcome"] for a in record["attempts"]] == ["timeout", "timeout"]
    assert record["error"] in line


def _finished_run(root: Path, trained: bool) -> RunDir:
    run = RunDir(root)
    write_json(run.run_json, {"config": {"text": "keep the pole up", "env_id":
                                         "InvertedPendulum-v5", "task_id": "pendulum-balance",
                                         "designer": "offline", "iterations": 1,
                                         "candidates": 1, "critic_review": False}})
    source = "def compute_reward(state, action, next_state):\n    return 0, {}\n"
    scored = {"id": "cand_0", "source": source, "fitness": 0.3 if trained else None,
              "failed": not trained, "analysis": "", "error": None if trained else
              "smoke test: the total has shape (), expected (B,)"}
    write_json(run.candidate(0, 0) / "candidate.json", {"id": "cand_0", "accepted": trained,
                                                        "source": source, "attempts": []})
    write_json(run.summary_json(0), {"iteration": 0, "order": ["cand_0"] if trained else [],
                                     "feedback": "", "history_line": "iteration 0",
                                     "candidates": [scored]})
    best = {"iteration": 0, "candidate": "cand_0", "fitness": 0.3, "source": source}
    write_json(run.state_json, {"best": best, "best_history": [best], "finished": True}
               if trained else {"finished": True})
    return run


def test_a_run_in_which_nothing_trained_exits_1_saying_why_and_where(tmp_path):
    run = _finished_run(tmp_path / "run", trained=False)
    line = _one_error_line(_run(["resume", str(run.root)], tmp_path),
                           f"no candidate trained in {run.root}", "1 of 1 rejected",
                           "the total has shape ()", f"rewardsmith inspect {run.root}")
    assert line.count("\n") == 0


@pytest.mark.parametrize(("candidate", "needle"), [
    ("b", "--candidate takes ITERATION/CANDIDATE"),
    ("0/1/2", "--candidate takes ITERATION/CANDIDATE"),
    ("-1/0", "--candidate takes ITERATION/CANDIDATE"),
    ("0/9", "iteration 0 has no candidate cand_9"),
    ("9/0", "iteration 9 of"),
])
def test_refine_names_a_bad_candidate_in_one_line(tmp_path, candidate, needle):
    run = _finished_run(tmp_path / "run", trained=True)
    _one_error_line(_run(["refine", str(run.root), "--feedback", "stand taller",
                          "--candidate", candidate], tmp_path), needle)
    assert not run.refine_json(1).exists()


def test_a_summary_of_the_wrong_shape_stops_resume_with_the_file_named(tmp_path):
    run = _finished_run(tmp_path / "run", trained=True)
    summary = json.loads(run.summary_json(0).read_text())
    run.summary_json(0).unlink()
    write_json(run.summary_json(0), {**summary, "candidates": [{"fitness": 1.0}]})
    _one_error_line(_run(["resume", str(run.root)], tmp_path), "iter_0/summary.json",
                    "Delete it")


@pytest.mark.parametrize(("args", "needle"), [
    (["report", "run", "--out", "a_file/page.html"], "--out's folder a_file is a file"),
    (["report", "run", "--out", "/proc/rb/page.html"], "cannot be used as a folder"),
    (["export", "run", "--out", "."], "--out . is a folder"),
    (["export", "run", "--out", "a_file/x.py"], "--out's folder a_file is a file"),
    (["rank", "run", "--port", "70000"], "--port must be between 0"),
])
def test_an_output_or_port_that_cannot_work_is_one_line(tmp_path, args, needle):
    _finished_run(tmp_path / "run", trained=True)
    (tmp_path / "a_file").write_text("x")
    _one_error_line(_run(args, tmp_path), needle)


def test_rank_names_a_ranking_request_of_the_wrong_shape(tmp_path):
    run = _finished_run(tmp_path / "run", trained=True)
    write_json(run.ranking_request_json(0), {"title": "x", "candidates": [{"id": 3}]})
    _one_error_line(_run(["rank", str(run.root), "--terminal"], tmp_path),
                    "ranking_request.json", "candidate 0")
    write_text(run.ranking_request_json(0), '{"title": "cut')
    _one_error_line(_run(["rank", str(run.root), "--terminal"], tmp_path),
                    "ranking_request.json is not valid JSON")


def test_resume_refuses_an_iteration_folder_that_is_a_symlink_and_writes_nothing_there(tmp_path):
    run = _finished_run(tmp_path / "run", trained=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run.summary_json(0).unlink()  # so a resume would redo iteration 0, writing into iter_0/
    (run.iteration(0) / "cand_0" / "candidate.json").unlink()
    (run.iteration(0) / "cand_0").rmdir()
    run.iteration(0).rmdir()
    run.iteration(0).symlink_to(elsewhere)
    _one_error_line(_run(["resume", str(run.root)], tmp_path), "iter_0 is a symbolic link")
    assert not any(elsewhere.iterdir())
