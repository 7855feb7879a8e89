"""`rewardsmith design` killed mid-run (kill -9, Ctrl-C) and `rewardsmith resume`: nothing is lost,
no finished candidate trains again and no LLM request is sent twice.

The run is a real CLI process against a real local OpenAI-compatible HTTP server, with real
sandboxed trainings on tiny budgets.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewardsmith.sandbox.isolation import detect_isolation_layers
from rewardsmith.testing.fake_openai import FakeOpenAIServer
from rewardsmith.testing.fake_openai_rules import Rule
from rewardsmith.testing.processes import wait_until_no_sandbox
from rewardsmith.testing.scripted_replies import CRITIC_ACCEPT, PENDULUM_REWARD

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                                 reason="no network isolation here")]

GOOD = PENDULUM_REWARD


@pytest.fixture
def server():
    rules = [Rule(CRITIC_ACCEPT, match="You review reward functions", on="system")]
    with FakeOpenAIServer(rules, default_reply=GOOD) as srv:
        yield srv


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rewardsmith", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "OPENAI_API_KEY": "sk-test", "COLUMNS": "120"}


def _start_design(server: FakeOpenAIServer, out: Path) -> subprocess.Popen:
    argv = _cli("design", "--task", "pendulum-balance", "--designer", "llm",
                "--base-url", server.base_url, "--model", "fake-model", "--candidates", "2",
                "--iterations", "2", "--steps", "2048", "--workers", "2", "--out", str(out),
                "--no-video")  # videos are not what this checks; the resume keeps the setting
    return subprocess.Popen(argv, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    """Ctrl-C as on a terminal: a test run started in the background (``cmd &`` in a script)
    inherits SIGINT ignored, and a Python started with SIGINT ignored never raises
    KeyboardInterrupt, so the run would finish instead of stopping."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"design ended early ({proc.returncode}):\n{proc.stdout.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("timed out waiting for the run to get there")
        time.sleep(0.2)


def _training_started(run_root: Path, iteration: int):
    def check() -> bool:
        log = next(run_root.glob(f"*/iter_{iteration}/events.log"), None)
        return log is not None and '"event": "progress"' in log.read_text()
    return check


def _recorded_calls(run: Path) -> list[str]:
    """Cache keys of the successful LLM calls in the run's record, one per call."""
    records = [json.loads(p.read_text()) for p in (run / "llm").glob("*.json")]
    return [r["cache_key"] for r in records if r.get("status") == "ok"]


def _finished_metrics(run: Path) -> dict[str, float]:
    return {str(p.relative_to(run)): p.stat().st_mtime_ns for p in run.rglob("metrics.json")}


def _resume(run: Path) -> subprocess.CompletedProcess:
    return subprocess.run(_cli("resume", str(run)), env=_env(), capture_output=True,
                          text=True, timeout=400)


def test_kill_9_while_training_then_resume(server, tmp_path):
    proc = _start_design(server, tmp_path)
    _wait_for(_training_started(tmp_path, 1), proc)
    run = next(tmp_path.glob("*/run.json")).parent
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert (run / "iter_0" / "summary.json").is_file()  # iteration 0 finished before the kill
    assert not (run / "iter_1" / "summary.json").exists()
    # bwrap --die-with-parent takes the workers down with the killed process
    assert wait_until_no_sandbox(tmp_path, timeout_s=15) == []
    requests = len(server.chat_requests)
    before = _finished_metrics(run)

    done = _resume(run)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(server.chat_requests) == requests  # every reply came from the run's LLM record
    after = _finished_metrics(run)
    assert {k: after[k] for k in before} == before  # nothing finished was trained again
    assert (run / "iter_1" / "summary.json").is_file()
    state = json.loads((run / "state.json").read_text())
    assert state["finished"] and state["best"] is not None
    assert (run / "best" / "reward.py").is_file()


def test_ctrl_c_stops_cleanly_then_resume(server, tmp_path):
    proc = _start_design(server, tmp_path)
    _wait_for(_training_started(tmp_path, 0), proc)
    run = next(tmp_path.glob("*/run.json")).parent
    os.killpg(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "rewardsmith resume" in output, output
    assert wait_until_no_sandbox(tmp_path) == []
    n_asked = len(server.chat_requests)
    recorded = _recorded_calls(run)
    assert n_asked and len(recorded) == n_asked  # designer and critic, each one on record

    done = _resume(run)
    assert done.returncode == 0, done.stdout + done.stderr
    iteration_0 = json.loads((run / "iter_0" / "summary.json").read_text())
    assert iteration_0["candidates"]
    # Every call is recorded once: the resumed run answered the recorded ones from the record
    # and sent only calls it had never made (iteration 1's) to the server.
    calls = _recorded_calls(run)
    assert len(calls) == len(set(calls)) and set(recorded) <= set(calls)
    assert len(server.chat_requests) - n_asked == len(calls) - len(recorded)
    state = json.loads((run / "state.json").read_text())
    assert state["finished"] and (run / "best" / "reward.py").is_file()
