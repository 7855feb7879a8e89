"""Preference and language feedback in the real loop: the synthetic oracle, a person ranking in
real headless Chromium (the run waits, then goes on), `rewardsmith rank`, and `refine`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rewardsmith.run.api import design
from rewardsmith.run.refine import refine

TINY = dict(candidates=2, steps=1024, workers=2, reeval_seeds=1, halving=False)
NO_VIDEO = {"video": False}  # where nobody looks at the rollouts (a person ranks videos)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def test_synthetic_oracle_feedback(tmp_path):
    run = design(task="pendulum-balance", out=tmp_path, say=lambda line: None,
                 feedback="synthetic", iterations=2, stop_on_success=False, **TINY,
                 train_kwargs=NO_VIDEO)
    ranking = json.loads((run.path / "iter_0" / "ranking.json").read_text())
    assert ranking["source"] == "synthetic" and ranking["queries"] == 1
    text = (run.path / "iter_0" / "feedback.md").read_text()
    assert "simulated teacher" in text and f"candidate {ranking['best']}" in text
    assert (run.path / "iter_1" / "summary.json").is_file()


def _design_in_thread(tmp_path, lines, **kwargs):
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(design, task="pendulum-balance", out=tmp_path, say=lines.append,
                         feedback="preference", iterations=1, **TINY, **kwargs)
    pool.shutdown(wait=False)
    return future


def _wait_for(predicate, timeout_s=240.0):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def test_person_ranks_in_chromium_and_the_run_continues(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    lines: list[str] = []
    future = _design_in_thread(tmp_path, lines)
    _wait_for(lambda: any("Rank the rollouts" in line for line in lines) or future.done())
    assert not future.done(), future.exception()
    url = re.search(r"open (http://\S+)", next(s for s in lines if "Rank the rollouts" in s))[1]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.locator("#card-1 button.best").click()
        page.locator("#card-2 button.worst").click()
        page.locator("#why").fill("the first one keeps the pole up longer")
        page.locator("#submit").click()
        page.get_by_text("Thanks — the run continues").wait_for()
        browser.close()
    run = future.result(timeout=240)
    ranking = json.loads((run.path / "iter_0" / "ranking.json").read_text())
    assert ranking["source"] == "human" and ranking["best"] == "cand_0"
    feedback = (run.path / "iter_0" / "feedback.md").read_text()
    assert "the first one keeps the pole up longer" in feedback
    assert (run.path / "best" / "reward.py").is_file()


def test_rank_command_in_the_terminal_unpauses_the_run(tmp_path):
    lines: list[str] = []
    future = _design_in_thread(tmp_path, lines)
    _wait_for(lambda: list(tmp_path.glob("*/iter_0/ranking_request.json")) or future.done())
    assert not future.done(), future.exception()
    run_dir = next(tmp_path.glob("*/iter_0/ranking_request.json")).parents[1]
    proc = subprocess.run([sys.executable, "-m", "rewardsmith", "rank", str(run_dir),
                           "--terminal"], input="2\n1\nthe second balances\n", text=True,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = future.result(timeout=240)
    ranking = json.loads((run.path / "iter_0" / "ranking.json").read_text())
    assert ranking["best"] == "cand_1" and ranking["worst"] == "cand_0"


def test_refine_runs_one_more_iteration_from_a_sentence(tmp_path):
    run = design(task="pendulum-balance", out=tmp_path, say=lambda line: None, iterations=1,
                 **TINY, train_kwargs=NO_VIDEO)
    refined = refine(run.path, "the cart drifts off to the side", say=lambda line: None)
    request = json.loads((refined.path / "iter_1" / "refine.json").read_text())
    assert request["sentence"] == "the cart drifts off to the side"
    assert "the cart drifts off to the side" in request["prompt"]
    assert (refined.path / "iter_1" / "summary.json").is_file()
    sources = [p.read_text() for p in (refined.path / "iter_1").glob("cand_*/reward.py")]
    assert sources and all("compute_reward" in s for s in sources)
