"""Text from a candidate, an LLM or a run folder reaches the terminal as plain text.

A candidate's error message can hold terminal escapes (``ESC]52`` writes the clipboard,
``ESC[2J`` clears the screen, ``ESC]0;`` sets the window title) and rich markup (``[/]`` used to
crash the CLI with ``MarkupError``, ``[bold red]`` to restyle the line). Each test plants them
in a real run folder (built with ``rewardsmith.run_dir``'s writers), a real reward file or a
real fake-LLM reply, runs the real command, and checks that the text arrives readable, with no
escape and without a crash.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rich.console import Console

from rewardsmith.cli._progress import TrainingProgress
from rewardsmith.evaluator.live import LiveTable
from rewardsmith.plain_text import plain_text
from rewardsmith.run_dir import RunDir
from rewardsmith.safe_files import write_json, write_text
from rewardsmith.testing import FakeOpenAIServer, Rule

pytestmark = pytest.mark.timeout(180)

ESC_52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # base64 of "rm -rf ~" into the clipboard
CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x1b\\"
PAYLOAD = f"boom{ESC_52}{CLEAR}{TITLE} [/] [bold red]red[/bold red] \u202egnp.exe\x9b31m"
LEAKS = ("\x1b", "\x07", "\x9b", "\u202e")
SEEN = ("boom", "[/]", "[bold red]red[/bold red]", "gnp.exe")  # what must still be readable

REWARD = textwrap.dedent("""\
    import numpy as np


    def compute_reward(state, action, next_state):
        upright = np.cos(next_state.pole_angle)
        return upright, {"upright": upright}
""")
RAISING = f"def compute_reward(state, action, next_state):\n    raise ValueError({PAYLOAD!r})\n"
CONFIG = {"text": "keep the pole balanced", "env_id": "InvertedPendulum-v5", "env_kwargs": {},
          "task_id": "pendulum-balance", "candidates": 1, "iterations": 1, "steps": 1024,
          "designer": "offline", "feedback": "reflection", "critic_review": False,
          "halving": False, "rungs": [1.0], "reeval_seeds": 1, "max_repairs": 0}


def _run(args: list[str], cwd: Path, env: dict | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m rewardsmith ...`` as a user runs it: output to pipes, no forced colour."""
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "COLUMNS")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "rewardsmith", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout)


def _assert_plain(output: str) -> None:
    leaked = [repr(mark) for mark in LEAKS if mark in output]
    assert not leaked, f"{leaked} reached the terminal:\n{output!r}"
    assert "MarkupError" not in output and "Traceback" not in output, output
    assert all(seen in output for seen in SEEN), output


def _build_run(root: Path, *, error: str = PAYLOAD, trained: bool = False,
               source: str = REWARD) -> RunDir:
    """A finished one-iteration run on disk. Candidate 0 was rejected with ``error`` unless
    ``trained``, in which case it is the best and its code is ``source``."""
    run = RunDir(root)
    write_json(run.run_json, {"config": CONFIG, "versions": {}, "started_at": 0})
    folder = run.candidate(0, 0)
    write_text(folder / "reward.py", source)
    record = {"id": "cand_0", "accepted": trained, "source": source, "rationale": "",
              "attempts": [] if trained else [{"attempt": 0, "stage": "smoke", "error": error,
                                               "source": source}]}
    write_json(folder / "candidate.json", record)
    write_json(run.candidates_json(0), [record])
    scored = {"id": "cand_0", "fitness": 0.5 if trained else None, "failed": not trained,
              "analysis": error, "component_returns": {}, "error": None if trained else error,
              "source": source, "video": None}
    write_json(run.summary_json(0), {"iteration": 0, "order": ["cand_0"] if trained else [],
                                     "feedback": f"feedback: {error}", "queries": 0,
                                     "history_line": "iteration 0", "candidates": [scored]})
    best = {"iteration": 0, "candidate": "cand_0", "fitness": 0.5, "source": source,
            "components": ["upright"]}
    write_json(run.state_json, {"best": best, "best_history": [best], "finished": True}
               if trained else {"finished": True})
    return run


def test_plain_text_removes_every_kind_of_escape_and_keeps_the_words():
    text = plain_text(f"a{ESC_52}b{CLEAR}c{TITLE}d\x1bP1$r\x1b\\e\x90dcs\x9cf\u202eg\x00h\x7fi")
    assert text == "abcdefghi"
    assert plain_text("line 1\r\nline 2\n\tindented") == "line 1\nline 2\n\tindented"
    assert plain_text("over\rwrite") == "overwrite"  # a bare CR could overwrite the line
    assert plain_text("[/] [bold red]x[/bold red]") == "[/] [bold red]x[/bold red]"  # not markup


def test_plain_text_ends_an_unterminated_sequence_at_the_end_of_its_line():
    assert plain_text("ok\x1b]0;no end\nnext line") == "ok\nnext line"


def test_plain_text_cuts_to_max_len_and_marks_the_cut():
    assert plain_text("abcdef", 4) == "abc…" and len(plain_text("x" * 100, 10)) == 10
    assert plain_text("abc", 3) == "abc"
    with pytest.raises(ValueError, match="max_len"):
        plain_text("abc", 0)


def test_plain_text_makes_lone_surrogates_printable_and_is_idempotent():
    text = plain_text(f"bad \ud800 byte {PAYLOAD}")
    text.encode("utf-8")
    assert "\ufffd" in text and plain_text(text) == text


def test_an_error_line_with_markup_and_escapes_never_crashes_the_cli(tmp_path):
    proc = _run(["describe", PAYLOAD], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1
    _assert_plain(proc.stderr)


def test_resume_of_a_run_in_which_nothing_trained_exits_1_with_the_plain_error(tmp_path):
    run = _build_run(tmp_path / "run")
    proc = _run(["resume", str(run.root)], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("error: no candidate trained in") and str(run.root) in line
    assert "1 of 1 rejected before training" in line and "rewardsmith inspect" in line
    _assert_plain(line)


def test_inspect_shows_a_run_full_of_escapes_as_plain_text(tmp_path):
    source = f"# {PAYLOAD}\n{REWARD}"
    run = _build_run(tmp_path / "run", trained=True, source=source)
    meta = json.loads(run.run_json.read_text())
    meta["config"]["text"] = f"balance {PAYLOAD}"
    write_json(run.run_json, meta)
    write_json(run.llm_dir / "00000_designer_abcd.json", {"status": "ok", "purpose": PAYLOAD,
                                                          "usage": {}, "cost_usd": 0})
    proc = _run(["inspect", str(run.root)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    _assert_plain(proc.stdout)
    assert "def compute_reward" in proc.stdout


def test_check_prints_the_candidates_own_exception_as_plain_text(tmp_path):
    write_text(tmp_path / "raising.py", RAISING)
    proc = _run(["check", "raising.py", "--env", "InvertedPendulum-v5"], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _assert_plain(proc.stdout + proc.stderr)


def test_a_design_whose_llm_writes_escapes_prints_them_plain_and_exits_1(tmp_path):
    reply = f"```python\n{RAISING}```"
    with FakeOpenAIServer([Rule(reply)], cycle=True) as srv:
        proc = _run(["design", "--task", "pendulum-balance", "--designer", "llm",
                     "--candidates", "1", "--iterations", "1", "--steps", "1024",
                     "--timeout", "5", "--out", "runs"], tmp_path,
                    env={"OPENAI_BASE_URL": srv.base_url, "OPENAI_API_KEY": "sk-test",
                         "XDG_CONFIG_HOME": str(tmp_path / "config")}, timeout=170)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "rejected" in proc.stdout and "no candidate trained in runs/" in proc.stderr
    _assert_plain(output)


def test_the_report_page_escapes_html_and_drops_control_characters(tmp_path):
    run = _build_run(tmp_path / "run", error=f"<script>alert(1)</script> {PAYLOAD}")
    proc = _run(["report", str(run.root)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (run.root / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert not [mark for mark in LEAKS if mark in page]


def test_the_live_table_and_the_progress_bar_show_sandbox_text_plainly():
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, force_terminal=False)
    table = LiveTable(["cand_0"], n_rungs=1, title=f"iteration 0 {PAYLOAD}", show=False)
    table.update({"event": "failed", "candidate": "cand_0", "error_kind": "contract",
                  "error": PAYLOAD, "fitness": "not a number"})
    table.update({"event": "signatures", "candidate": "cand_0", "names": [PAYLOAD, 3]})
    console.print(table._render())
    with TrainingProgress(console, "pendulum-balance (ppo)") as progress:
        progress({"event": "progress", "steps": "many", "total": 10, "fps": PAYLOAD})
        progress({"event": "eval", "steps": 5, "total": 10, "fitness": float("nan")})
    text = out.getvalue()
    assert not [mark for mark in LEAKS if mark in text], repr(text)
    assert "boom" in text and "[/]" in text
