"""inspect, report and export on run folders with bad files: one clear line, or a warning and
the rest of the run, never a traceback.

The runs are written with ``rewardsmith.run_dir``'s writers (no training), then one file is
broken the way a disk fault, a hand edit or a hostile sandbox would break it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rewardsmith.errors import CorruptRunFile
from rewardsmith.results.inspect import inspect_run
from rewardsmith.results.render import render_run
from rewardsmith.results.report import report_run
from rewardsmith.run_dir import RunDir
from rewardsmith.safe_files import write_bytes, write_json, write_text

pytestmark = pytest.mark.timeout(120)

REWARD = textwrap.dedent("""\
    import numpy as np


    def compute_reward(state, action, next_state):
        upright = np.cos(next_state.pole_angle)
        return upright, {"upright": upright}
""")


@pytest.fixture
def run(tmp_path) -> RunDir:
    """A finished run: iteration 0, cand_0 trained (the best), cand_1 rejected."""
    run = RunDir(tmp_path / "run")
    write_json(run.run_json, {"config": {"text": "balance the pole", "env_id":
                                         "InvertedPendulum-v5", "task_id": "pendulum-balance",
                                         "designer": "offline", "feedback": "reflection"},
                              "versions": {"python": "3.11"}, "started_at": 0})
    best = {"iteration": 0, "candidate": "cand_0", "fitness": 0.5, "source": REWARD,
            "components": ["upright"]}
    write_json(run.state_json, {"best": best, "best_history": [best], "finished": True,
                                "best_reeval": {"fitness_mean": 0.4, "fitness_sem": 0.1}})
    for j, accepted in ((0, True), (1, False)):
        folder = run.candidate(0, j)
        write_text(folder / "reward.py", REWARD)
        write_json(folder / "candidate.json", {"id": f"cand_{j}", "accepted": accepted,
                                               "source": REWARD, "attempts": []})
    write_json(run.candidate(0, 0) / "status.json", {"state": "done", "rungs": {
        "0": {"fitness": 0.5}}})
    write_json(run.candidate(0, 0) / "metrics.json", {"evals": [
        {"steps": 512, "fitness_mean": 0.1, "training_components": {"upright": {"mean": 0.9}}},
        {"steps": 1024, "fitness_mean": 0.5, "training_components": {"upright": {"mean": 1}}}]})
    write_json(run.report_json(0), {"candidates": [{"id": "cand_0", "state": "done",
                                                    "fitness": 0.5, "steps": 1024}],
                                    "ranking": ["cand_0"], "env_steps": 1024})
    write_json(run.summary_json(0), {"iteration": 0, "order": ["cand_0"], "feedback": "ok",
                                     "candidates": [
                                         {"id": "cand_0", "fitness": 0.5, "failed": False,
                                          "error": None, "source": REWARD},
                                         {"id": "cand_1", "fitness": None, "failed": True,
                                          "error": "static check: import os", "source": ""}]})
    return run


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.run([sys.executable, "-m", "rewardsmith", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=90)


def test_a_clean_run_reads_without_problems(run):
    view = inspect_run(run.root)
    assert view.problems == [] and view.best["candidate"] == "cand_0"
    assert [c.state for c in view.iterations[0].candidates] == ["trained", "rejected"]


def test_a_bad_candidate_file_is_named_and_the_rest_of_the_run_is_shown(run, tmp_path):
    write_bytes(run.candidate(0, 0) / "status.json", b"\xff\xfe not json")
    (run.candidate(0, 1) / "candidate.json").unlink()
    write_json(run.candidate(0, 1) / "candidate.json", ["a", "list"])
    view = inspect_run(run.root)
    assert len(view.problems) == 2
    assert any("cand_0/status.json" in p and "UTF-8" in p for p in view.problems)
    assert any("cand_1/candidate.json" in p and "a list" in p for p in view.problems)
    assert view.best is not None and len(view.iterations[0].candidates) == 2
    proc = _cli(["inspect", str(run.root)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "warning: skipped iter_0/cand_0/status.json" in proc.stdout


def test_a_state_json_of_the_wrong_shape_stops_every_reader_with_one_line(run, tmp_path):
    state = json.loads(run.state_json.read_text())
    run.state_json.unlink()
    write_json(run.state_json, {**state, "best": "cand_0"})
    with pytest.raises(CorruptRunFile, match=r"state\.json has a 'best' entry that is text"):
        inspect_run(run.root)
    for command in (["inspect"], ["report"], ["export"], ["resume"]):
        proc = _cli([*command, str(run.root)], tmp_path)
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, (command, proc.stderr)
        line = proc.stderr.strip().splitlines()[-1]
        assert line.startswith("error: ") and "state.json" in line, (command, line)


@pytest.mark.parametrize("meta", [["a", "list"], {"config": "text"}, {"config": {"env_id": 5}}])
def test_a_run_json_of_the_wrong_shape_is_a_corrupt_run_file(run, meta):
    run.run_json.unlink()
    write_json(run.run_json, meta)
    with pytest.raises(CorruptRunFile, match=r"run\.json"):
        inspect_run(run.root)


def test_the_report_survives_a_metrics_json_forged_in_the_sandbox(run, tmp_path):
    metrics = run.candidate(0, 0) / "metrics.json"
    metrics.unlink()
    write_json(metrics, {"evals": [{"steps": "a", "fitness_mean": "b"},
                                   {"steps": 10**400, "fitness_mean": float("nan")},
                                   {"steps": 3, "fitness_mean": 1e308,
                                    "training_components": {"x": "y", "z": {"mean": "w"}}},
                                   "not a dict"]})
    warnings: list[str] = []
    page = report_run(run.root, tmp_path / "page.html", warn=warnings.append)
    assert page.is_file() and warnings == []
    write_bytes(metrics, b"{\"evals\": [")  # cut off
    report_run(run.root, tmp_path / "page.html", warn=warnings.append)
    assert len(warnings) == 1 and "cand_0/metrics.json" in warnings[0]
    assert "not valid JSON" in warnings[0]


def test_stray_files_and_folders_in_a_run_are_left_out(run, tmp_path):
    (run.root / "iter_x").mkdir()
    (run.root / "iter_5").write_text("a file named like an iteration")
    (run.iteration(0) / "cand_x").mkdir()
    (run.iteration(0) / "cand_9").mkdir()
    view = inspect_run(run.root)
    assert [it.index for it in view.iterations] == [0]
    assert [c.id for c in view.iterations[0].candidates] == ["cand_0", "cand_1", "cand_9"]
    for command in ("inspect", "report"):
        proc = _cli([command, str(run.root)], tmp_path)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_a_symlinked_reward_is_not_followed_into_the_view(run, tmp_path):
    summary = json.loads(run.summary_json(0).read_text())
    for c in summary["candidates"]:
        c["source"] = ""
    run.summary_json(0).unlink()
    write_json(run.summary_json(0), summary)
    for j in (0, 1):
        record = run.candidate(0, j) / "candidate.json"
        data = json.loads(record.read_text())
        record.unlink()
        write_json(record, {**data, "source": ""})
    reward = run.candidate(0, 1) / "reward.py"
    reward.unlink()
    reward.symlink_to("/etc/passwd")
    view = inspect_run(run.root)
    rejected = view.iterations[0].candidates[1]
    assert rejected.source == "" and "root:" not in rejected.source
    assert any("cand_1/reward.py" in p and "symbolic link" in p for p in view.problems)


def test_render_run_prints_markup_in_run_texts_literally(run):
    from io import StringIO

    from rich.console import Console

    meta = json.loads(run.run_json.read_text())
    meta["config"]["text"] = "[bold red]balance[/] the pole \x1b[2J"
    run.run_json.unlink()
    write_json(run.run_json, meta)
    out = StringIO()
    render_run(inspect_run(run.root), Console(file=out, width=120, color_system=None))
    text = out.getvalue()
    assert "[bold red]balance[/] the pole" in text and "\x1b" not in text
