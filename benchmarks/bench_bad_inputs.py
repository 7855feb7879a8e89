"""Bad inputs against the real command line: does every one end in one clear line?

    python benchmarks/bench_bad_inputs.py                  # every case, 2 at a time
    python benchmarks/bench_bad_inputs.py --only flags     # cases whose name contains "flags"
    python benchmarks/bench_bad_inputs.py --pythonpath /tmp/before --name bad_inputs_before
    python benchmarks/bench_bad_inputs.py --llm-timing     # how long each LLM fault takes to fail

Each case runs ``python -m rewardsmith ...`` as a real subprocess, with a timeout, in a folder of
its own. The cases are bad command-line flags of every command; run folders in which one file of
every kind the run layout names (the constants of ``rewardsmith/run_dir.py``) is truncated,
binary, a symlink, huge, a folder, of the wrong JSON type, or carries terminal escapes; and bad
LLM replies, served by the real local fake OpenAI server (``rewardsmith.testing``). Runs are built
on disk with ``rewardsmith.run_dir``'s writers, not trained, so the whole set takes minutes.

Each outcome is one of:

- ``clear error``: a non-zero exit and an ``error`` line, no traceback;
- ``exit 0``: the command succeeded (right for a run that is still usable, e.g. ``inspect`` of a
  run with one unreadable candidate file, which it names in a warning: ``exit 0 (warned)``;
  wrong where the case says ``expect=error``, e.g. a design in which nothing trained);
- ``traceback``: an exception escaped;
- ``hang``: the timeout killed it;
- ``other``: a non-zero exit without an error line (a signal, a silent exit).

Independently, ``escapes`` marks a case whose output still holds a terminal escape or a bidi
override that the case planted, and ``followed link`` a case in which a planted symlink was
followed: its decoy (a file and a folder inside the case folder, never a system file) was shown
or written to. Prints a table; writes ``benchmarks/results/<name>.json``.
``--pythonpath`` runs the subprocesses against another checkout (e.g. a copy made before a fix)
while the cases and the fake server come from this one.

``--llm-timing`` instead times each LLM fault through :class:`rewardsmith.llm.LLMClient` with
the default retry policy (4 retries, backoff from 1 s; a timeout retried once), a broken reply
every time, and writes ``benchmarks/results/llm_faults.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, machine  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from rich.text import Text  # noqa: E402

from rewardsmith import run_dir as layout  # noqa: E402
from rewardsmith.plain_text import plain_text  # noqa: E402
from rewardsmith.run_dir import RunDir  # noqa: E402
from rewardsmith.safe_files import write_bytes, write_json, write_text  # noqa: E402
from rewardsmith.testing.fake_openai import FakeOpenAIServer  # noqa: E402

# What a hostile candidate or LLM puts in a text: clipboard write (OSC 52), clear screen, window
# title, a link, rich markup that would crash or restyle, a bidi override.
PAYLOAD = ("\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil\x1b\\ "
           "[/] [bold red]boom[/bold red] \u202eevil")
LEAKS = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e")
# What every symlink a case plants points to: a file and a folder next to the run, never a real
# system file, so a reader that follows the link shows DECOY (and a writer that follows it
# changes the decoy, which the case notices) without touching anything outside the case.
DECOY = "DECOY-SECRET: outside the run, never to be shown or written"
BINARY = b"\xff\xfe\x00\x9b2J\x1b]52;c;aGk=\x07\x80\x81 not utf-8 \xc3\x28"
HUGE_BYTES = layout.MAX_JSON_BYTES + (8 << 20)  # sparse: costs no disk

GOOD_REWARD = textwrap.dedent('''\
    """Keep the pole upright and the cart near the centre."""
    import numpy as np


    def compute_reward(state, action, next_state):
        upright = np.cos(next_state.pole_angle)
        centred = -0.05 * next_state.cart_position ** 2
        action_cost = -0.000333 * np.sum(action ** 2, axis=1)
        components = {"upright": upright, "centred": centred, "action_cost": action_cost}
        return upright + centred + action_cost, components
''')
ESCAPE_REWARD = textwrap.dedent(f'''\
    import numpy as np


    def compute_reward(state, action, next_state):
        raise ValueError({PAYLOAD!r})
''')
MARKUP_SYNTAX_REWARD = "def compute_reward(state, action, next_state):\n    return [/] [bold red]\n"

CONFIG = {
    "text": "keep the pole on the cart balanced upright", "env_id": "InvertedPendulum-v5",
    "env_kwargs": {}, "task_id": "pendulum-balance", "candidates": 2, "iterations": 1,
    "steps": 1024, "workers": 1, "executor": "local", "ray_address": None,
    "feedback": "reflection", "rank_mode": "web", "designer": "offline", "model": None,
    "base_url": None, "max_cost": None, "max_tokens": None, "seed": 0, "max_repairs": 0,
    "critic_review": False, "halving": False, "rungs": [1.0], "min_keep": 1,
    "stop_on_success": True, "reeval_seeds": 1, "oracle_beta": None,
    "oracle_mistake_rate": 0.0, "allow_unsafe_sandbox": False, "train_kwargs": {},
}


# -- the run folder every run case starts from -----------------------------------------------------
def build_run(root: Path, *, trained: bool = True) -> RunDir:
    """A finished one-iteration run on disk, written as rewardsmith writes it (no training).

    Candidate 0 trained (the best), candidate 1 was rejected by the static check. With
    ``trained=False`` both were rejected and there is no best.
    """
    run = RunDir(root)
    best = {"iteration": 0, "candidate": "cand_0", "fitness": 0.42, "source": GOOD_REWARD,
            "components": ["action_cost", "centred", "upright"]}
    reeval = {"fitness_mean": 0.4, "fitness_sem": 0.01, "success_rate": 0.0, "n_seeds": 1,
              "seeds": [100000]}
    write_json(run.run_json, {"config": CONFIG, "versions": {"python": "3.11"},
                              "started_at": time.time()})
    write_text(run.log_file, json.dumps({"event": "run", "t": time.time()}) + "\n")
    write_json(run.llm_dir / "00000_designer_0123abcd.json", {
        "record_version": 1, "seq": 0, "purpose": "designer", "status": "ok", "error": None,
        "cache_key": "0123abcd" * 8, "sample_key": "iter0", "model": "fake-model",
        "endpoint": "http://127.0.0.1:9/v1", "request": {"messages": [
            {"role": "user", "content": "balance the pole"}], "n": 1, "temperature": 1.0,
            "max_tokens": None}, "texts": [f"```python\n{GOOD_REWARD}```"],
        "usage": {"prompt_tokens": 10, "completion_tokens": 90, "total_tokens": 100},
        "cost_usd": 0.0001, "notes": [], "latency_s": 0.1, "started_at": "", "finished_at": "",
        "http_calls": []})
    rejected_error = "static check: line 1: import of os is not allowed (only numpy and math)"
    cand1 = {"id": "cand_1", "accepted": False, "source": "import os\n", "rationale": "",
             "attempts": [{"attempt": 0, "stage": "static", "error": rejected_error,
                           "source": "import os\n"}]}
    cand0 = {"id": "cand_0", "accepted": True, "source": GOOD_REWARD, "attempts": [],
             "rationale": ""}
    if not trained:
        cand0 = {**cand1, "id": "cand_0"}
    write_json(run.candidates_json(0), [cand0, cand1])
    write_text(run.feedback_md(0), "### Candidate cand_0: trained, task score 0.42\n")
    write_text(run.iteration(0) / layout.EVENTS_LOG, json.dumps({"event": "start"}) + "\n")
    c0, c1 = run.candidate(0, 0), run.candidate(0, 1)
    for folder, record in ((c0, cand0), (c1, cand1)):
        write_text(folder / layout.REWARD_PY, record["source"])
        write_json(folder / layout.CANDIDATE_JSON, record)
        write_json(folder / layout.CRITIC_JSON, {"accepted": record["accepted"],
                                                 "stage": "passed" if record["accepted"]
                                                 else "static", "message": "", "reasons": []})
    scored1 = {"id": "cand_1", "fitness": None, "failed": True, "analysis": rejected_error,
               "component_returns": {}, "error": rejected_error, "source": "import os\n",
               "video": None}
    if trained:
        evals = [{"steps": s, "fitness_mean": f, "training_components": {
            "upright": {"mean": 0.99, "min": 0.9, "max": 1.0}}} for s, f in
            ((512, 0.1), (1024, 0.42))]
        metrics = {"id": "cand_0", "state": "done", "steps": 1024, "fitness": 0.42,
                   "error": None, "error_kind": None, "signatures": [], "evals": evals,
                   "final": {"fitness_mean": 0.42, "fitness_std": 0.05,
                             "component_returns": {"upright": 400.0}}}
        write_json(c0 / layout.METRICS_JSON, metrics)
        write_json(c0 / layout.ANALYSIS_JSON, {"episodes": []})
        write_json(c0 / layout.STATUS_JSON, {"id": "cand_0", "fingerprint": "0" * 64,
                                             "rungs": {"0": {"target": 1024, "ok": True,
                                                             "steps": 1024, "fitness": 0.42}},
                                             "state": "done"})
        write_json(c0 / layout.rung_json(0), metrics)
        for name in layout.TRAINING_ARTIFACTS:
            write_bytes(c0 / name, b"not really a " + name.encode())
        write_json(run.iteration(0) / layout.HALVING_JSON,
                   {"0:1024": {"entrants": ["cand_0"], "order": ["cand_0"]}})
        write_json(run.report_json(0), {
            "task": "pendulum-balance", "budget": 1024, "rung_steps": [1024],
            "candidates": [{"id": "cand_0", "state": "done", "rung": 0, "steps": 1024,
                            "fitness": 0.42, "error": None, "error_kind": None,
                            "signatures": []}],
            "ranking": ["cand_0"], "best": "cand_0", "best_reeval": reeval, "env_steps": 1024})
        scored0 = {"id": "cand_0", "fitness": 0.42, "failed": False, "analysis": "- trained",
                   "component_returns": {"upright": 400.0}, "error": None,
                   "source": GOOD_REWARD, "video": str(c0 / layout.VIDEO_MP4)}
        for name in layout.BEST_ARTIFACTS:
            write_bytes(run.best_dir / name, (c0 / name).read_bytes())
        write_text(run.best_report, "# best: iteration 0, cand_0\n")
        state = {"best": best, "best_history": [best], "best_reeval": reeval,
                 "success": False, "finished": True}
        order = ["cand_0"]
    else:
        scored0 = {**scored1, "id": "cand_0"}
        state = {"finished": True}
        order = []
    write_json(run.summary_json(0), {
        "iteration": 0, "order": order, "feedback": "cand_0 scored 0.42", "queries": 0,
        "history_line": "iteration 0: best cand_0 (task score 0.42); 1 of 2 failed",
        "candidates": [scored0, scored1]})
    write_json(run.state_json, state)
    return run


# -- ways to break one file ------------------------------------------------------------------------
def _replace(path: Path, make: Callable[[Path], None]) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    make(path)


def _decoy(path: Path) -> Path:
    """The case folder holding ``path`` (the parent of its ``run/``), with its decoys made."""
    case = next(p.parent for p in (path, *path.parents) if p.name == "run")
    (case / "outside").mkdir(exist_ok=True)
    (case / "outside.txt").write_text(DECOY + "\n")
    return case


def _huge(path: Path) -> None:
    with open(path, "wb") as f:
        f.truncate(HUGE_BYTES)


def _wrong_type(path: Path) -> None:
    original = json.loads(path.read_text()) if path.is_file() else {}
    path.unlink(missing_ok=True)
    write_json(path, ["not", "an", "object"] if isinstance(original, dict) else {"not": "a list"})


def _truncated(path: Path) -> None:
    data = path.read_bytes() if path.is_file() else b'{"iteration": 0, "candidates": [{"id"'
    path.unlink(missing_ok=True)
    write_bytes(path, data[: max(1, len(data) // 2)])


def _with_payload(path: Path) -> None:
    """Put the escape payload into every string value of a JSON file (keys stay)."""
    def poison(value):
        if isinstance(value, dict):
            return {k: (v if k in ("id", "candidate", "cache_key", "status", "state", "stage",
                                   "purpose", "env_id", "task_id", "feedback", "designer",
                                   "executor", "rank_mode") else poison(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v) for v in value]
        return value + PAYLOAD if isinstance(value, str) else value
    data = json.loads(path.read_text()) if path.is_file() else {"note": ""}
    path.unlink(missing_ok=True)
    write_json(path, poison(data))


BREAKS: dict[str, Callable[[Path], None]] = {
    "missing": lambda p: _replace(p, lambda q: None),
    "empty": lambda p: _replace(p, lambda q: q.write_bytes(b"")),
    "truncated": _truncated,
    "binary": lambda p: _replace(p, lambda q: q.write_bytes(BINARY)),
    "symlink": lambda p: _replace(p, lambda q: q.symlink_to(_decoy(q) / "outside.txt")),
    "huge": lambda p: _replace(p, _huge),
    "folder": lambda p: _replace(p, lambda q: q.mkdir()),
    "wrong-type": _wrong_type,
    "escapes": _with_payload,
}
TEXT_BREAKS = ["empty", "binary", "symlink", "huge", "folder"]
ARTIFACT_BREAKS = ["symlink", "folder", "empty"]


@dataclass
class Case:
    """One bad input: the command line, how to prepare its folder, what should happen."""

    name: str
    args: list[str]
    prepare: Callable[[Path], None] | None = None
    expect: str = "error"  # "error": exit 0 is wrong; "either": a warning and exit 0 is fine
    timeout: float = 60.0
    llm: Callable[[FakeOpenAIServer], None] | None = None  # scripts a fake server for the case
    llm_rules: list = field(default_factory=list)
    stdin: str | None = None


def run_cases(template: Path) -> list[Case]:
    """The run-folder cases: one file of each kind the layout names, broken one way, read by the
    commands that read it (``ALL`` ways for the files every command needs, ``SOME`` below)."""
    it, cand = layout.iteration_name(0), layout.candidate_id(0)
    all_json, some = list(BREAKS), ["truncated", "symlink", "wrong-type"]
    no_missing = [k for k in all_json if k != "missing"]  # missing below the root: not run yet
    text, artifact = TEXT_BREAKS, ARTIFACT_BREAKS
    record = f"{layout.LLM_DIR}/00000_designer_0123abcd.json"
    specs: list[tuple[str, list[str], list[str]]] = [  # (file, ways to break it, commands)
        (layout.RUN_JSON, all_json, ["inspect", "report", "export", "resume"]),
        (layout.RUN_JSON, some, ["refine", "rank"]),
        (layout.STATE_JSON, all_json, ["inspect", "report", "export", "resume"]),
        (layout.STATE_JSON, some, ["refine"]),
        (f"{it}/{layout.SUMMARY_JSON}", no_missing, ["inspect", "report", "resume"]),
        (f"{it}/{layout.SUMMARY_JSON}", some, ["refine"]),
        (f"{it}/{layout.REPORT_JSON}", no_missing, ["inspect", "report"]),
        (f"{it}/{layout.REPORT_JSON}", some, ["resume"]),
        (f"{it}/{layout.CANDIDATES_JSON}", some, ["inspect"]),
        (f"{it}/{layout.HALVING_JSON}", some, ["inspect"]),
        (f"{it}/{layout.RANKING_REQUEST_JSON}", no_missing, ["rank"]),
        (f"{it}/{layout.RANKING_JSON}", no_missing, ["inspect", "report"]),
        (f"{layout.iteration_name(1)}/{layout.REFINE_JSON}", no_missing, ["resume"]),
        (f"{it}/{cand}/{layout.CANDIDATE_JSON}", no_missing, ["inspect", "report"]),
        (f"{it}/{cand}/{layout.STATUS_JSON}", no_missing, ["inspect", "report"]),
        (f"{it}/{cand}/{layout.METRICS_JSON}", no_missing, ["report"]),
        (f"{it}/{cand}/{layout.CRITIC_JSON}", some, ["inspect"]),
        (f"{it}/{cand}/{layout.ANALYSIS_JSON}", some, ["inspect"]),
        (f"{it}/{cand}/{layout.rung_json(0)}", some, ["inspect"]),
        (record, no_missing, ["inspect", "resume"]),
        (record, some, ["report"]),
        (f"{layout.BEST_DIR}/{layout.METRICS_JSON}", some, ["inspect"]),
        (f"{it}/{cand}/{layout.REWARD_PY}", text, ["inspect", "report"]),
        (f"{it}/{layout.FEEDBACK_MD}", text, ["report"]),
        (f"{layout.BEST_DIR}/{layout.REWARD_PY}", text, ["export"]),
        (f"{layout.BEST_DIR}/{layout.BEST_REPORT_MD}", ["binary", "symlink"], ["inspect"]),
        (layout.EVENTS_LOG, ["binary", "huge"], ["inspect"]),
        (layout.REPORT_HTML, text, ["report"]),
        *[(f"{it}/{cand}/{name}", artifact, ["report"]) for name in layout.TRAINING_ARTIFACTS],
    ]
    cases = [_run_case(template, rel, kind, command,
                       "error" if rel == layout.RUN_JSON and kind != "escapes" else "either")
             for rel, kinds, commands in specs for kind in kinds for command in commands]
    strays = {
        "stray iter_x folder": lambda r: (r / "iter_x").mkdir(),
        "stray iter_7 empty folder": lambda r: (r / "iter_7").mkdir(),
        "stray iter_1 file": lambda r: (r / "iter_1").write_text("x"),
        "stray iter_-1 folder": lambda r: (r / "iter_-1").mkdir(),
        "stray iter_0001 folder": lambda r: (r / "iter_0001" / "cand_0").mkdir(parents=True),
        "stray cand_x folder": lambda r: (r / it / "cand_x").mkdir(),
        "stray cand_9 empty folder": lambda r: (r / it / "cand_9").mkdir(),
        "cand_0 is a file": lambda r: (shutil.rmtree(r / it / cand),
                                       (r / it / cand).write_text("x")),
        "llm/ is a file": lambda r: (shutil.rmtree(r / "llm"), (r / "llm").write_text("x")),
        "best/ is a file": lambda r: (shutil.rmtree(r / "best"), (r / "best").write_text("x")),
        "iter_0 is a symlink": lambda r: (shutil.rmtree(r / it),
                                          (r / it).symlink_to(_decoy(r / it) / "outside")),
    }
    for label, make in strays.items():
        commands = ["inspect", "report", "resume"] + (["export"] if "best" in label else [])
        for command in commands:
            cases.append(Case(f"run/{label}/{command}", _command_args(command),
                              _copy_then(template, make), "either", _timeout(command)))
    # semantic corruption: valid JSON, wrong shapes where a reader indexes without checking
    root_commands = ["inspect", "report", "export", "resume"]
    iteration_commands = ["inspect", "report", "resume"]
    semantic = {
        "state best is a string": (layout.STATE_JSON, root_commands,
                                   lambda d: {**d, "best": "cand_0"}),
        "state best lacks keys": (layout.STATE_JSON, root_commands,
                                  lambda d: {**d, "best": {"fitness": 1}}),
        "state history not a list": (layout.STATE_JSON, root_commands,
                                     lambda d: {**d, "best_history": 5}),
        "run config not a dict": (layout.RUN_JSON, root_commands,
                                  lambda d: {**d, "config": "x"}),
        "run config fields bad": (layout.RUN_JSON, root_commands, lambda d: {**d, "config": {
            **d["config"], "candidates": "many", "env_id": 5}}),
        "summary candidates null": (f"{it}/{layout.SUMMARY_JSON}", iteration_commands,
                                    lambda d: {**d, "candidates": None}),
        "summary candidate lacks id": (f"{it}/{layout.SUMMARY_JSON}", iteration_commands,
                                       lambda d: {**d, "candidates": [{"fitness": 1.0}]}),
        "summary order not a list": (f"{it}/{layout.SUMMARY_JSON}", iteration_commands,
                                     lambda d: {**d, "order": 7}),
        "summary fitness a string": (f"{it}/{layout.SUMMARY_JSON}", iteration_commands,
                                     lambda d: {**d, "candidates": [
                                         {**c, "fitness": "high"} for c in d["candidates"]]}),
        "report candidates are numbers": (f"{it}/{layout.REPORT_JSON}", ["inspect", "report"],
                                          lambda d: {**d, "candidates": [1, 2]}),
        "metrics evals a string": (f"{it}/{cand}/{layout.METRICS_JSON}", ["report"],
                                   lambda d: {**d, "evals": "x"}),
        "metrics evals hold strings": (f"{it}/{cand}/{layout.METRICS_JSON}", ["report"],
                                       lambda d: {**d, "evals": [{"steps": "a",
                                                                  "fitness_mean": "b"}]}),
        "metrics NaN and huge numbers": (f"{it}/{cand}/{layout.METRICS_JSON}", ["report"],
                                         lambda d: {**d, "evals": [
                                             {"steps": 1, "fitness_mean": float("nan")},
                                             {"steps": 10**400, "fitness_mean": 1e308}]}),
        "status rungs a list": (f"{it}/{cand}/{layout.STATUS_JSON}", ["inspect", "report"],
                                lambda d: {**d, "rungs": [1]}),
        "candidate attempts not a list": (f"{it}/{cand}/{layout.CANDIDATE_JSON}",
                                          ["inspect", "report"],
                                          lambda d: {**d, "accepted": False, "attempts": 3}),
        "llm usage strings": (record, ["inspect", "resume"],
                              lambda d: {**d, "usage": {"prompt_tokens": "many"},
                                         "cost_usd": "free"}),
        "llm texts not a list": (record, ["inspect", "resume"], lambda d: {**d, "texts": None}),
    }
    for label, (rel, commands, change) in semantic.items():
        for command in commands:
            cases.append(Case(f"run/{label}/{command}", _command_args(command),
                              _copy_then(template, _edit_json(rel, change)), "either",
                              _timeout(command)))
    return cases


def _edit_json(rel: str, change: Callable[[dict], dict]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / rel
        data = change(json.loads(path.read_text()))
        path.unlink()
        write_json(path, data)
    return make


def _copy_then(template: Path, make: Callable[[Path], None]) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        shutil.copytree(template, folder / "run", symlinks=True)
        make(folder / "run")
    return prepare


def _command_args(command: str, run: str = "run") -> list[str]:
    return {"inspect": ["inspect", run], "report": ["report", run],
            "export": ["export", run, "--out", "exported.py"], "resume": ["resume", run],
            "refine": ["refine", run, "--feedback", "stand taller", "--candidate", "0/9"],
            "rank": ["rank", run, "--terminal"]}[command]


def _timeout(command: str) -> float:
    return {"resume": 120.0, "export": 90.0}.get(command, 60.0)


def _run_case(template: Path, rel: str, kind: str, command: str, expect: str) -> Case:
    def make(root: Path) -> None:
        BREAKS[kind](root / rel)
    return Case(f"run/{rel} {kind}/{command}", _command_args(command),
                _copy_then(template, make), expect, _timeout(command))


# -- the command-line flag cases -------------------------------------------------------------------
def _files(folder: Path) -> None:
    write_text(folder / "good.py", GOOD_REWARD)
    write_text(folder / "escape.py", ESCAPE_REWARD)
    write_text(folder / "markup.py", MARKUP_SYNTAX_REWARD)
    write_bytes(folder / "binary.py", BINARY)
    write_bytes(folder / "empty.py", b"")
    (folder / "adir.py").mkdir()
    write_text(folder / "afile", "a file, not a folder\n")


def flag_cases(template: Path, nothing_trained: Path) -> list[Case]:
    """Bad flags and arguments of every command."""
    design = ["design", "--task", "pendulum-balance", "--designer", "offline", "--out", "runs"]
    train = ["train", "--task", "pendulum-balance", "--steps", "512", "--out", "out",
             "--no-video"]
    check = ["check", "good.py", "--env", "InvertedPendulum-v5"]
    run = _copy_then(template, lambda r: None)
    empty_run = _copy_then(nothing_trained, lambda r: None)
    flags: list[tuple[str, list[str], Callable[[Path], None] | None, str, float]] = [
        ("envs extra argument", ["envs", "extra"], None, "error", 30),
        ("envs unknown option", ["envs", "--bogus"], None, "error", 30),
        ("describe unknown env", ["describe", "Nope-v0"], None, "error", 30),
        ("describe no env", ["describe"], None, "error", 30),
        ("describe env with escapes", ["describe", PAYLOAD], None, "error", 30),
        ("describe env with markup", ["describe", "[/]"], None, "error", 30),
        ("train neither task nor env", ["train"], None, "error", 30),
        ("train unknown task", ["train", "--task", "nope"], None, "error", 30),
        ("train task and env", [*train, "--env", "Hopper-v5"], None, "error", 30),
        ("train env without reward", ["train", "--env", "Hopper-v5"], None, "error", 30),
        ("train unknown env", ["train", "--env", "Nope-v0", "--reward", "good.py"], None,
         "error", 30),
        ("train n-envs 0", [*train, "--n-envs", "0"], None, "error", 60),
        ("train n-envs -1", [*train, "--n-envs", "-1"], None, "error", 60),
        ("train algo bogus", [*train, "--algo", "bogus"], None, "error", 60),
        ("train steps 0", [*train[:3], "--steps", "0", *train[5:]], None, "error", 60),
        ("train steps -5", [*train[:3], "--steps", "-5", *train[5:]], None, "error", 60),
        ("train steps not a number", [*train[:3], "--steps", "abc", *train[5:]], None,
         "error", 30),
        ("train seed -1", [*train, "--seed", "-1"], None, "error", 60),
        ("train reward missing", [*train, "--reward", "missing.py"], None, "error", 60),
        ("train reward is a folder", [*train, "--reward", "adir.py"], None, "error", 60),
        ("train reward not UTF-8", [*train, "--reward", "binary.py"], None, "error", 60),
        ("train reward empty", [*train, "--reward", "empty.py"], None, "error", 90),
        ("train reward raises escapes", [*train, "--reward", "escape.py"], None, "error", 90),
        ("train out is a file", [*train[:-3], "--out", "afile", "--no-video"], None, "error",
         60),
        ("train out unwritable", [*train[:-3], "--out", "/proc/rewardsmith-bench",
                                  "--no-video"], None, "error", 60),
        ("train out below a file", [*train[:-3], "--out", "afile/x", "--no-video"], None,
         "error", 60),
        ("check no file", ["check"], None, "error", 30),
        ("check missing file", ["check", "missing.py", "--env", "Hopper-v5"], None, "error", 30),
        ("check folder", ["check", "adir.py", "--env", "Hopper-v5"], None, "error", 30),
        ("check not UTF-8", ["check", "binary.py", "--env", "Hopper-v5"], None, "error", 30),
        ("check empty file", ["check", "empty.py", "--env", "Hopper-v5"], None, "error", 30),
        ("check no env", ["check", "good.py"], None, "error", 30),
        ("check unknown env", ["check", "good.py", "--env", "Nope-v0"], None, "error", 30),
        ("check unknown task", ["check", "good.py", "--task", "nope"], None, "error", 30),
        ("check timeout 0", [*check, "--timeout", "0"], None, "error", 30),
        ("check timeout -1", [*check, "--timeout", "-1"], None, "error", 30),
        ("check reward raises escapes", ["check", "escape.py", "--env",
                                         "InvertedPendulum-v5"], None, "error", 60),
        ("check syntax error with markup", ["check", "markup.py", "--env",
                                            "InvertedPendulum-v5"], None, "error", 30),
        ("design candidates 0", [*design, "--candidates", "0"], None, "error", 60),
        ("design candidates 100", [*design, "--candidates", "100"], None, "error", 60),
        ("design iterations 0", [*design, "--iterations", "0"], None, "error", 60),
        ("design steps 0", [*design, "--steps", "0"], None, "error", 60),
        ("design steps -5", [*design, "--steps", "-5"], None, "error", 60),
        ("design workers 0", [*design, "--workers", "0"], None, "error", 60),
        ("design executor bogus", [*design, "--executor", "bogus"], None, "error", 60),
        ("design feedback bogus", [*design, "--feedback", "bogus"], None, "error", 60),
        ("design rank-in bogus", [*design, "--rank-in", "bogus"], None, "error", 60),
        ("design designer bogus", [*design, "--designer", "bogus"], None, "error", 60),
        ("design rungs bogus", [*design, "--rungs", "a,b"], None, "error", 60),
        ("design min-keep 0", [*design, "--min-keep", "0"], None, "error", 60),
        ("design max-cost -1", [*design, "--max-cost", "-1"], None, "error", 60),
        ("design max-tokens -1", [*design, "--max-tokens", "-1"], None, "error", 60),
        ("design seed -1", [*design, "--seed", "-1"], None, "error", 60),
        ("design timeout 0", [*design, "--timeout", "0"], None, "error", 60),
        ("design timeout -3", [*design, "--timeout", "-3"], None, "error", 60),
        ("design unknown task", ["design", "--task", "nope", "--out", "runs"], None, "error",
         60),
        ("design unknown env", ["design", "run fast", "--env", "Nope-v0", "--out", "runs"],
         None, "error", 60),
        ("design empty text", ["design", "", "--designer", "offline", "--out", "runs"], None,
         "error", 60),
        ("design text with escapes", ["design", PAYLOAD, "--designer", "offline", "--out",
                                      "runs"], None, "error", 60),
        ("design out is a file", [*design[:-2], "--out", "afile"], None, "error", 60),
        ("design out unwritable", [*design[:-2], "--out", "/proc/rewardsmith-bench"], None,
         "error", 60),
        ("design out below a file", [*design[:-2], "--out", "afile/runs"], None, "error", 60),
        ("design llm without endpoint", ["design", "--task", "pendulum-balance", "--designer",
                                         "llm", "--out", "runs"], None, "error", 60),
        ("resume no run", ["resume"], None, "error", 30),
        ("resume missing folder", ["resume", "nowhere"], None, "error", 30),
        ("resume a file", ["resume", "afile"], None, "error", 30),
        ("resume the runs folder", ["resume", "."], run, "error", 30),
        ("resume nothing trained", ["resume", "run"], empty_run, "error", 120),
        ("refine no feedback", ["refine", "run"], run, "error", 30),
        ("refine empty feedback", ["refine", "run", "--feedback", " "], run, "error", 30),
        ("refine candidate bogus", ["refine", "run", "--feedback", "x", "--candidate", "b"],
         run, "error", 30),
        ("refine candidate 0/9", ["refine", "run", "--feedback", "x", "--candidate", "0/9"],
         run, "error", 30),
        ("refine candidate 9/0", ["refine", "run", "--feedback", "x", "--candidate", "9/0"],
         run, "error", 30),
        ("refine candidate -1/0", ["refine", "run", "--feedback", "x", "--candidate", "-1/0"],
         run, "error", 30),
        ("refine candidate 0/1/2", ["refine", "run", "--feedback", "x", "--candidate",
                                    "0/1/2"], run, "error", 30),
        ("refine rejected candidate", ["refine", "run", "--feedback", "x", "--candidate",
                                       "0/1"], run, "error", 30),
        ("refine nothing trained", ["refine", "run", "--feedback", "x"], empty_run, "error",
         30),
        ("refine missing folder", ["refine", "nowhere", "--feedback", "x"], None, "error", 30),
        ("rank missing folder", ["rank", "nowhere"], None, "error", 30),
        ("rank not waiting", ["rank", "run"], run, "error", 30),
        ("rank port -1", ["rank", "run", "--port", "-1"], run, "error", 30),
        ("rank port 70000", ["rank", "run", "--port", "70000"], run, "error", 30),
        ("inspect missing folder", ["inspect", "nowhere"], None, "error", 30),
        ("inspect a file", ["inspect", "afile"], None, "error", 30),
        ("inspect the runs folder", ["inspect", "."], run, "error", 30),
        ("inspect nothing trained", ["inspect", "run"], empty_run, "either", 30),
        ("report out unwritable", ["report", "run", "--out", "/proc/rb/report.html"], run,
         "error", 60),
        ("report out below a file", ["report", "run", "--out", "afile/report.html"], run,
         "error", 60),
        ("report out is a symlink", ["report", "run", "--out", "link.html"],
         _also(run, lambda f: (f / "link.html").symlink_to(_decoy(f / "run") /
                                                           "outside.txt")), "either", 60),
        ("report nothing trained", ["report", "run"], empty_run, "either", 60),
        ("export nothing trained", ["export", "run"], empty_run, "error", 60),
        ("export out below a file", ["export", "run", "--out", "afile/x.py"], run, "error",
         90),
        ("export out unwritable", ["export", "run", "--out", "/proc/rb/x.py"], run, "error",
         90),
        ("export out is a folder", ["export", "run", "--out", "."], run, "either", 90),
        ("unknown command", ["bogus"], None, "error", 30),
    ]
    cases = []
    for label, args, prepare, expect, timeout in flags:
        cases.append(Case(f"flags/{label}", args, _also(prepare, _files), expect, timeout))
    return cases


def _also(first: Callable[[Path], None] | None,
          then: Callable[[Path], None]) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        if first is not None:
            first(folder)
        then(folder)
    return prepare


# -- the LLM reply cases ---------------------------------------------------------------------------
def llm_cases() -> list[Case]:
    """A design with the LLM designer against the fake server answering badly."""
    args = ["design", "--task", "pendulum-balance", "--designer", "llm", "--candidates", "1",
            "--iterations", "1", "--steps", "1024", "--no-halving", "--out", "runs"]
    cases = []
    for kind in ("truncated", "html", "null_choices", "null_message", "null_content",
                 "reset"):
        cases.append(Case(f"llm/{kind} every time", args,
                          llm=lambda srv, kind=kind: srv.break_next(1000, kind), timeout=90))
    cases.append(Case("llm/hang every time", args,
                      llm=lambda srv: srv.delay_next(1000, 5.0), timeout=90))
    cases.append(Case("llm/HTTP 500 every time", args,
                      llm=lambda srv: srv.fail_next(1000, 500), timeout=90))
    cases.append(Case("llm/HTTP 401", args, llm=lambda srv: srv.fail_next(1000, 401),
                      timeout=90))
    replies = {
        "prose, no code": "I would reward the pole for staying up.",
        "empty reply": "",
        "code with escapes and markup": f"```python\nimport os\n# {PAYLOAD}\n```",
        "error text with escapes": f"```python\n{ESCAPE_REWARD}```",
        "5 MB reply": "```python\n" + "x = 1\n" * 900_000 + "```",
        "lone surrogate": "```python\ndef compute_reward(s, a, n):\n    return '\ud800'\n```",
        "unclosed fence with markup": "```python\ndef compute_reward([/]",
    }
    for label, text in replies.items():
        cases.append(Case(f"llm/{label}", args, llm_rules=[text], timeout=90))
    return cases


# -- running and classifying -----------------------------------------------------------------------
def classify(rc: int | None, out: str, expect: str) -> str:
    """One of: clear error, exit 0, traceback, hang, other."""
    if rc is None:
        return "hang"
    if "Traceback (most recent call last)" in out:
        return "traceback"
    if rc == 0:
        return "exit 0"
    lines = [line.strip().lstrip("│╭ ").lower() for line in out.splitlines()]
    if any(line.startswith(("error", "─ error")) for line in lines):
        return "clear error"
    return "other"


def run_one(case: Case, root: Path, env: dict[str, str], index: int) -> dict:
    folder = root / f"case_{index:03d}"
    folder.mkdir(parents=True)
    if case.prepare is not None:
        case.prepare(folder)
    case_env = dict(env)
    with ExitStack() as stack:
        if case.llm is not None or case.llm_rules:
            srv = stack.enter_context(FakeOpenAIServer(case.llm_rules, cycle=True))
            if case.llm is not None:
                case.llm(srv)
            case_env.update(OPENAI_BASE_URL=srv.base_url, OPENAI_API_KEY="sk-bench")
            xdg = folder / "xdg"
            write_text(xdg / "rewardsmith" / "config.toml", "[llm]\nmodel = \"fake-model\"\n"
                       "timeout_s = 1.0\nmax_retries = 1\nbackoff_base_s = 0.05\n"
                       "backoff_max_s = 0.1\n")
            case_env["XDG_CONFIG_HOME"] = str(xdg)
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "rewardsmith", *case.args], cwd=folder,
                                env=case_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=case.timeout)
            rc: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            rc = None
        wall = time.perf_counter() - t0
    text = (out + err).decode("utf-8", "replace")
    outcome = classify(rc, text, case.expect)
    leaked = any(mark in text for mark in LEAKS)
    decoy_file, decoy_dir = folder / "outside.txt", folder / "outside"
    followed = DECOY in text or (decoy_file.exists() and decoy_file.read_text() != DECOY + "\n") \
        or (decoy_dir.is_dir() and any(decoy_dir.iterdir()))
    first = next((line for line in err.decode("utf-8", "replace").splitlines()
                  if line.strip().lower().startswith(("error", "traceback"))), "")
    if outcome == "traceback":
        first = next((line for line in reversed(text.splitlines()) if line.strip()), "")
    warned = outcome == "exit 0" and "warning" in text.lower()
    return {"case": case.name, "command": " ".join(case.args[:1]), "expect": case.expect,
            "outcome": outcome + (" (warned)" if warned else ""), "rc": rc,
            "wall_s": round(wall, 2), "escapes": leaked, "followed link": followed,
            "line": plain_text(first.strip(), 160)}


def write_results(name: str, columns: list[str], rows: list[list], summary: dict) -> Path:
    """Print the table and the summary; write ``benchmarks/results/<name>.json``.

    Cells are :class:`rich.text.Text`, never markup: the error lines quote what the cases
    planted (``[/]``), and the table must show them, not choke on them.
    """
    console = Console(width=max(Console().width, 160))
    table = Table(title=f"{name}: python -m rewardsmith ..." if name.startswith("bad") else
                  name)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[Text(str(v)) for v in row])
    console.print(table)
    by_group = Counter((r[0].split("/")[0], r[2]) for r in rows)
    for group in sorted({g for g, _ in by_group}):
        parts = ", ".join(f"{o} {n}" for (g, o), n in sorted(by_group.items()) if g == group)
        console.print(Text(f"{group}: {parts}"))
    for key, value in summary.items():
        console.print(Text(f"{key}: {value}"))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), "columns": columns,
                                "rows": rows, "summary": summary}, indent=2))
    return path


def llm_fault_timing(timeout_s: float) -> None:
    """Time how long each fault takes to end in an LLMError under the default retry policy."""
    from rewardsmith.llm import LLMClient, LLMConfig, LLMError
    from rewardsmith.testing.fake_openai import BROKEN_REPLIES

    faults: dict[str, Callable[[FakeOpenAIServer], None]] = {
        kind: (lambda srv, kind=kind: srv.break_next(1000, kind)) for kind in BROKEN_REPLIES}
    faults["hang"] = lambda srv: srv.delay_next(1000, 3600.0)
    faults["HTTP 500"] = lambda srv: srv.fail_next(1000, 500)
    rows = []
    for name, inject in faults.items():
        with FakeOpenAIServer(default_reply="never") as srv, \
                tempfile.TemporaryDirectory() as records:
            inject(srv)
            client = LLMClient(LLMConfig(base_url=srv.base_url, api_key="sk-bench",
                                         timeout_s=timeout_s), Path(records))
            t0 = time.perf_counter()
            try:
                client.chat([{"role": "user", "content": "balance the pole"}])
                outcome, attempts, fault = "answered", 1, ""
            except LLMError as exc:
                outcome, attempts, fault = "LLMError", exc.attempts, exc.fault or ""
            wall = time.perf_counter() - t0
            recorded = [a["outcome"] for r in Path(records).glob("*.json")
                        for a in json.loads(r.read_text()).get("attempts", [])]
        rows.append([name, outcome, fault, attempts, len(recorded), round(wall, 2)])
        print(f"{name}: {outcome} ({fault}) after {attempts} attempts in {wall:.1f} s")
    config = LLMConfig()
    summary = {"timeout_s": timeout_s, "max_retries": config.max_retries,
               "timeout_retries": config.timeout_retries,
               "backoff_base_s": config.backoff_base_s,
               "hang with the default timeout_s (estimate)": f"{config.timeout_retries + 1} x "
               f"{config.timeout_s:g} s + about {config.backoff_base_s:g} s of backoff"}
    write_results("llm_faults", ["fault", "outcome", "error.fault", "attempts",
                                 "attempts recorded", "wall_s"], rows, summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once")
    parser.add_argument("--pythonpath", default=None,
                        help="PYTHONPATH for the subprocesses (another checkout)")
    parser.add_argument("--name", default="bad_inputs", help="results file name")
    parser.add_argument("--keep", action="store_true", help="keep the case folders")
    parser.add_argument("--llm-timing", action="store_true",
                        help="time each LLM fault through the client instead")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="timeout_s for --llm-timing (a hang costs 2 of them)")
    args = parser.parse_args()
    if args.llm_timing:
        return llm_fault_timing(args.timeout)
    root = Path(tempfile.mkdtemp(prefix="rewardsmith-bad-inputs-"))
    template = build_run(root / "template").root
    nothing = build_run(root / "nothing_trained", trained=False).root
    cases = [c for c in flag_cases(template, nothing) + run_cases(template) + llm_cases()
             if args.only in c.name]
    env = {k: v for k, v in os.environ.items()
           if k not in ("FORCE_COLOR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "REWARDSMITH_MODEL")
           and not k.startswith("PYTEST")}
    env["XDG_CONFIG_HOME"] = str(root / "no-config")
    env["PYTHONWARNINGS"] = "ignore"
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(lambda ic: run_one(ic[1], root / "cases", env, ic[0]),
                             enumerate(cases)))
    wall = time.perf_counter() - t0
    counts = Counter(r["outcome"] for r in rows)
    summary = {
        "cases": len(rows),
        "clear error": counts["clear error"],
        "exit 0": counts["exit 0"] + counts["exit 0 (warned)"],
        "exit 0 with a warning naming the skipped file": counts["exit 0 (warned)"],
        "exit 0 where an error was expected": sum(r["outcome"].startswith("exit 0") and
                                                  r["expect"] == "error" for r in rows),
        "traceback": counts["traceback"],
        "hang": counts["hang"],
        "other": counts["other"],
        "escapes leaked": sum(r["escapes"] for r in rows),
        "symlink followed (decoy shown or written)": sum(r["followed link"] for r in rows),
        "wall_s": round(wall, 1),
        "pythonpath": args.pythonpath or "this checkout",
    }
    columns = ["case", "expect", "outcome", "rc", "wall_s", "escapes", "followed link", "line"]
    write_results(args.name, columns, [[r[c] for c in columns] for r in rows], summary)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"case folders kept in {root}")


if __name__ == "__main__":
    main()
