"""What comes out of the sandbox is untrusted data: hostile outputs are refused, never followed.

The hostile programs run through the real sandbox (bubblewrap, a fresh uid, seccomp) with the
static check skipped, because they need ``os`` and the job's own modules. Each replaces the train
job's ``train`` function, from inside the worker, with one that writes the outputs a training
writes, plus whatever it plants: exactly what a candidate running in the job's process can do,
without the cost of a real training. The parent's side is the real one: ``run_sandboxed``, the
evaluator, ``rewardsmith train``. Cheap checks of the pieces (the event reader, the shapes) run
without a sandbox at the end.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rewardsmith.sandbox.runner as runner
from rewardsmith.cli import app
from rewardsmith.evaluator import Candidate, HalvingConfig, evaluate_candidates
from rewardsmith.sandbox.events import JOB_EVENTS, EventReader
from rewardsmith.sandbox.isolation import IsolationLimits, detect_isolation_layers
from rewardsmith.sandbox.outputs import TRAIN_OUTPUTS, copy_outputs, read_sandbox_file
from rewardsmith.sandbox.runner import run_sandboxed
from rewardsmith.sandbox.shapes import OutputRefused, check_result
from rewardsmith.testing.processes import wait_until_no_sandbox

REPORT = detect_isolation_layers()
sandboxed = pytest.mark.skipif(not REPORT.network_isolated or REPORT.mode != "bwrap",
                               reason="needs the bubblewrap sandbox")
LIMITS = IsolationLimits.from_policy("train").replace(wall_s=90.0, cpu_s=180)
TRAIN_ARGS = {"task": "pendulum-balance", "steps": 1000, "video": False}

EVAL = {"steps": 1000, "wall_s": 0.1, "fitness_mean": 0.5, "fitness_std": 0.0,
        "success_rate": 0.0, "episode_length": 100.0, "env_return": 100.0,
        "reward_return": 50.0, "component_returns": {"upright": 50.0}, "episode_fitness": [0.5],
        "ended_by": {"time_limit": 1, "terminated": 0}, "traces": {},
        "training_components": {"upright": {"mean": 1.0, "min": 0.0, "max": 1.0,
                                            "episode_sum": None}}}
METRICS = {"task": "pendulum-balance", "env": "InvertedPendulum-v5", "env_kwargs": {},
           "algo": "ppo", "seed": 0, "steps": 1000, "budget": 1000, "train_wall_s": 0.1,
           "wall_s": 0.1, "steps_per_s": 1e4, "success_threshold": 0.9, "success": False,
           "first_success_steps": None, "best_fitness": 0.5, "reward_origin": "reward.py",
           "final": EVAL, "evals": [EVAL]}
STATS = {"format": "rewardsmith.vecnormalize/1", "obs_mean": [0.0] * 4, "obs_var": [1.0] * 4,
         "count": 1.0, "clip_obs": 10.0, "epsilon": 1e-8, "norm_obs": True}


def hostile(plant: str = "", metrics: str = "METRICS") -> str:
    """A reward whose module replaces the train job's ``train`` from inside the worker.

    The fake writes what a training writes into ``out`` (valid files), then runs ``plant``
    (Python code with ``out``, ``progress`` and ``job`` = the job's folder in scope), and
    returns ``metrics``. In a ``reevaluate`` job it answers with a fixed evaluation instead.
    """
    return f'''import json, os, sys, types
import numpy as np
import rewardsmith.sandbox.jobs.train as _job

METRICS = {METRICS!r}
STATS = {STATS!r}


def _fake_train(*, reward, out, progress, **kwargs):
    job = os.getcwd()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(METRICS, f)
    with open(os.path.join(out, "policy_weights.pt"), "wb") as f:
        f.write(b"PK not a real archive")
    with open(os.path.join(out, "vecnormalize.json"), "w") as f:
        json.dump(STATS, f)
{textwrap.indent(textwrap.dedent(plant), "    ")}
    return types.SimpleNamespace(metrics={metrics})


_job.train = _fake_train
if "rewardsmith.sandbox.jobs.reevaluate" in sys.modules:
    _reeval = sys.modules["rewardsmith.sandbox.jobs.reevaluate"]
    _reeval.load_policy = lambda *args, **kwargs: types.SimpleNamespace(predict=None)
    _reeval.evaluate_seed = lambda *args: {{
        "seed": args[-1], "fitness_mean": 0.5, "success_rate": 0.0,
        "ended_by": {{"time_limit": 1, "terminated": 0}}, "episodes": []}}


def compute_reward(state, action, next_state):
    upright = np.cos(next_state.pole_angle)
    return upright, {{"upright": upright}}
'''


def train_job(source: str, job: Path, limits: IsolationLimits = LIMITS, **options):
    return run_sandboxed("train", source, {**TRAIN_ARGS, "out": "."}, job, limits,
                         skip_static_check=True, **options)


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A host file the parent can read and a job must never get it to read."""
    path = tmp_path / "host" / "canary.txt"
    path.parent.mkdir()
    path.write_text("CANARY-7f3a host secret")
    return path


@pytest.fixture
def no_static_check(monkeypatch):
    """The static check would reject the hostile programs' imports; the OS layers stay on."""
    monkeypatch.setattr(runner, "check_source", lambda source, entry="compute_reward": [])


# ---- copying out: one function, by name, all or nothing -----------------------------------------
@sandboxed
def test_planted_outputs_are_refused_one_by_one_and_nothing_is_copied(tmp_path, canary):
    plant = f'''
    os.unlink("metrics.json")
    os.symlink({str(canary)!r}, "metrics.json")   # a host file for the parent to copy
    os.unlink("policy_weights.pt")
    os.mkfifo("policy_weights.pt")                # would block a plain open() forever
    with open("video.mp4", "wb") as f:
        f.truncate(1 << 30)                       # 1 GB, sparse: costs the job nothing
    os.unlink("vecnormalize.json")
    os.mkdir("vecnormalize.json")
    os.symlink("/etc", "tensorboard")             # a folder the parent would walk into
    '''
    job, dest = tmp_path / "job", tmp_path / "dest"
    result = train_job(hostile(plant), job, LIMITS.replace(fsize_mb=2048))
    assert result.ok, result.error  # the job itself looked fine: its files are what is wrong
    t0 = time.perf_counter()
    report = copy_outputs(job, dest, TRAIN_OUTPUTS)
    assert time.perf_counter() - t0 < 30  # a FIFO open would wait forever: a hang guard
    assert report.refused == {
        "metrics.json": "metrics.json is a symbolic link, not a regular file",
        "policy_weights.pt": "policy_weights.pt is a FIFO, not a regular file",
        "video.mp4": f"video.mp4 is {1 << 30:,} bytes, more than the {256 << 20:,} allowed",
        "vecnormalize.json": "vecnormalize.json is a folder, not a regular file",
        "tensorboard": "tensorboard is a symbolic link, not a folder",
    }
    assert not report.ok and report.copied == [] and not dest.exists()
    assert "CANARY" not in json.dumps(report.refused)
    assert canary.read_text() == "CANARY-7f3a host secret"


@sandboxed
def test_a_folder_the_job_replaced_by_a_link_is_never_walked_through(tmp_path, canary):
    # rung_0 itself becomes a link to the host folder that holds a file named like an output.
    (canary.parent / "policy_weights.pt").write_bytes(b"host bytes")
    plant = f'''
    import shutil
    shutil.rmtree(out)
    os.symlink({str(canary.parent)!r}, out)
    '''
    job = tmp_path / "job"
    result = run_sandboxed("train", hostile(plant), {**TRAIN_ARGS, "out": "rung_0"}, job, LIMITS,
                           skip_static_check=True)
    assert result.ok, result.error
    with pytest.raises(OutputRefused, match="rung_0 is a symbolic link, not a folder"):
        read_sandbox_file(job / "rung_0" / "policy_weights.pt", root=job, strict=True)
    assert read_sandbox_file(job / "rung_0" / "policy_weights.pt", root=job) is None


@pytest.mark.parametrize("plant, reason", [
    ("open(os.path.join(job, 'result.json'), 'w').write('[' * 200_000)",
     "result.json is not JSON a job writes (RecursionError)"),
    ("open(os.path.join(job, 'result.json'), 'w').write(' ' * (9 << 20))",
     "result.json is 9,437,184 bytes, more than the 8,388,608 allowed"),
    ("os.mkfifo(os.path.join(job, 'result.json'))",
     "result.json is a FIFO, not a regular file"),
    ("open(os.path.join(job, 'result.json'), 'w').write('[1, 2]')",
     "result.json is not a JSON object"),
], ids=["nested-200k-deep", "9-MB", "fifo", "not-an-object"])
@sandboxed
def test_a_forged_result_file_fails_the_job_with_its_reason(tmp_path, plant, reason):
    # The candidate writes result.json itself and ends the process before the worker can.
    source = hostile(plant + "\nos._exit(0)")
    t0 = time.perf_counter()
    result = train_job(source, tmp_path / "job")
    assert time.perf_counter() - t0 < 60
    assert not result.ok and result.error_kind == "crashed"
    assert reason in result.error and len(result.error) < 400, result.error


@sandboxed
def test_a_folder_named_result_json_fails_that_job_and_the_next_job_runs_in_the_folder(tmp_path):
    plant = '''
    os.mkdir(os.path.join(job, "result.json"))     # the worker removes it before writing
    os.unlink(os.path.join(job, "events.jsonl"))
    os.mkdir(os.path.join(job, "events.jsonl"))
    '''
    job = tmp_path / "job"
    first = train_job(hostile(plant), job)
    # the worker replaces the planted result.json folder; the events.jsonl folder fails the job
    assert not first.ok and first.error_kind == "output"
    assert "events" in first.error and len(first.error) < 500
    second = train_job(hostile(), job)  # the same folder, as a candidate's next rung would be
    assert second.ok, second.error
    assert (job / "result.json").is_file() and (job / "events.jsonl").is_file()
    assert wait_until_no_sandbox(tmp_path) == []


# ---- the evaluator: a bad output fails that candidate, never the run, and is not replayed -----
FORGED_EVENTS = '''
lines = [
    b"{not json",
    b'{"event": "progress", "steps": "' + b"9" * 100_000 + b'"}',
    b'{"event": "progress", "steps": "many", "total": 2, "fps": 1.0}',
    b'{"event": "failed", "candidate": "benign", "error_kind": "runtime", "error": "forged"}',
    b'{"event": "progress", "steps": 1, "total": 2, "fps": 1.0, "candidate": "benign"}',
]
with open(os.path.join(job, "events.jsonl"), "ab") as f:
    f.write(b"\\n".join(lines) + b"\\n")
'''
FAKE_DONE = '''
progress({"event": "done", "steps": 1000, "total": 1000, "fitness": 99.0, "success": True})
progress({"event": "done", "steps": 1000, "total": 1000, "fitness": 99.0, "success": True})
'''
BAD_METRICS = "{**METRICS, 'final': {**METRICS['final'], 'fitness_mean': 'high'}, 'evals': 5}"


@sandboxed
def test_hostile_candidates_fail_with_short_reasons_and_the_run_goes_on(tmp_path, canary,
                                                                         no_static_check):
    candidates = [
        Candidate("dir_result", hostile('os.mkdir(os.path.join(job, "result.json"))')),
        Candidate("forged_events", hostile(FORGED_EVENTS)),
        Candidate("fake_done", hostile(FAKE_DONE)),
        Candidate("bad_metrics", hostile(metrics=BAD_METRICS)),
        Candidate("link_policy", hostile(f'''
            os.unlink(os.path.join(out, "policy_weights.pt"))
            os.symlink({str(canary)!r}, os.path.join(out, "policy_weights.pt"))''')),
        Candidate("benign", hostile()),
    ]
    settings = dict(steps=1000, halving=HalvingConfig.full_budget(), reeval_seeds=1,
                    n_eval_episodes=1, train_kwargs={"video": False}, live=False,
                    job_timeout_s=90, workers=2)
    events = []
    report = evaluate_candidates("pendulum-balance", candidates, tmp_path, on_event=events.append,
                                 **settings)
    expected = {
        "forged_events": ("output", "events.jsonl line 2 is not JSON"),
        "fake_done": ("output", "is a second 'done' event"),
        "bad_metrics": ("output", "metrics.final.fitness_mean is a str ('high'), expected a "
                                  "number or null"),
        "link_policy": ("output", "rung_0/policy_weights.pt is a symbolic link"),
    }
    for cid, (kind, reason) in expected.items():
        res = report.result(cid)
        assert res.state == "failed" and res.error_kind == kind, (cid, res.error)
        assert reason in res.error and len(res.error) < 600, (cid, res.error)
    assert "(and 4 more problems)" in report.result("forged_events").error
    assert report.best in ("benign", "dir_result") and report.result("benign").state == "done"
    # a folder planted where the worker writes its result is removed by the worker: no harm done
    assert report.result("dir_result").state != "failed", report.result("dir_result").error
    # Nothing a job forged reached the caller: no event the jobs do not write, nothing naming
    # another candidate than the one whose job it came from, no forged fitness.
    evaluator_events = {"evaluation_start", "queued", "rung_done", "failed", "finished",
                        "reevaluated", "best", "evaluation_done"}
    assert {e["event"] for e in events} <= evaluator_events | set(JOB_EVENTS)
    assert not [e for e in events if e.get("candidate") == "benign" and e["event"] == "failed"]
    assert not [e for e in events if e.get("fitness") == 99.0]
    assert "CANARY" not in (tmp_path / "events.log").read_text()
    assert not (tmp_path / "link_policy" / "policy_weights.pt").exists()
    assert (tmp_path / "benign" / "policy_weights.pt").read_bytes() == b"PK not a real archive"
    assert not (tmp_path / "benign" / "policy.zip").exists()  # pickles stay in sandbox/

    # Resume: every failure is a recorded result, so nothing runs again and nothing crashes.
    again = evaluate_candidates("pendulum-balance", candidates, tmp_path, **settings)
    assert again.jobs_run == 0 and again.ranking == report.ranking
    assert [c.error for c in again.candidates] == [c.error for c in report.candidates]


# ---- rewardsmith train --out: a fresh job folder, nothing of --out exposed ----------------------
SPY = '''
seen = {}
for label, target in (("parent", ".."), ("out", OUT), ("secret", OUT + "/secret.txt")):
    try:
        seen[label] = sorted(os.listdir(target)) if label != "secret" else open(target).read()
    except OSError as e:
        seen[label] = type(e).__name__
try:
    open(OUT + "/secret.txt", "w").write("overwritten by the job")
    seen["write"] = "written"
except OSError as e:
    seen["write"] = type(e).__name__
with open(os.path.join(job, "seen.json"), "w") as f:
    json.dump(seen, f)
'''


@pytest.mark.parametrize("plant, metrics, reason", [
    ('os.unlink("metrics.json"); os.symlink(OUT + "/secret.txt", "metrics.json")', "METRICS",
     "metrics.json is a symbolic link, not a regular file"),
    ('json.dump({**METRICS, "steps": True}, open("metrics.json", "w"))', "METRICS",
     "metrics.json.steps is a bool (True), expected an integer"),
], ids=["metrics-symlink-to-the-secret", "metrics-wrong-type"])
@sandboxed
def test_train_out_keeps_what_was_there_and_copies_nothing_it_refuses(tmp_path, no_static_check,
                                                                     plant, metrics, reason):
    out = tmp_path / "out"
    out.mkdir()
    secret = out / "secret.txt"
    secret.write_text("TOP-SECRET 0600 content")
    secret.chmod(0o600)
    before = secret.stat()
    reward = tmp_path / "hostile.py"
    reward.write_text(hostile(f"OUT = {str(out)!r}\n{SPY}\n{plant}", metrics))
    result = CliRunner().invoke(app, ["train", "--env", "InvertedPendulum-v5", "--reward",
                                      str(reward), "--out", str(out), "--steps", "1000",
                                      "--no-video"])
    assert result.exit_code == 1, result.output
    error = str(result.exception)  # main() prints it as one line; CliRunner hands it back
    assert reason in error and "none was copied" in error, error
    after = secret.stat()
    assert secret.read_text() == "TOP-SECRET 0600 content"
    assert "TOP-SECRET" not in result.output + error
    assert (after.st_mode, after.st_uid, after.st_gid) == (before.st_mode, before.st_uid,
                                                           before.st_gid)
    job = next(out.glob(".sandbox-*"))
    assert sorted(p.name for p in out.iterdir()) == [job.name, "secret.txt"]
    seen = json.loads((job / "seen.json").read_text())
    assert seen["parent"] in ([job.name], "PermissionError")  # only its own folder, if anything
    assert seen["out"] in ([job.name], "PermissionError") and seen["secret"] == "FileNotFoundError"
    assert seen["write"] in ("FileNotFoundError", "PermissionError", "OSError")


@sandboxed
def test_train_out_gets_the_checked_files_and_the_pickles_stay_in_the_job_folder(
        tmp_path, no_static_check):
    out = tmp_path / "out"
    reward = tmp_path / "fake.py"
    reward.write_text(hostile('''
    os.makedirs(os.path.join(out, "tensorboard", "ppo_1"))
    open(os.path.join(out, "tensorboard", "ppo_1", "events.out.tfevents.1.sandbox.1.0"),
         "wb").write(b"tb")
    open(os.path.join(out, "policy.zip"), "wb").write(b"a pickle")
    open(os.path.join(out, "notes.txt"), "w").write("not an output")
    '''))
    result = CliRunner().invoke(app, ["train", "--env", "InvertedPendulum-v5", "--reward",
                                      str(reward), "--out", str(out), "--steps", "1000",
                                      "--no-video"])
    assert result.exit_code == 0, result.output
    job = next(out.glob(".sandbox-*"))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if job not in p.parents) == [
        job.name, "metrics.json", "policy_weights.pt", "tensorboard", "tensorboard/ppo_1",
        "tensorboard/ppo_1/events.out.tfevents.1.sandbox.1.0", "vecnormalize.json"]
    assert json.loads((out / "metrics.json").read_text()) == METRICS
    assert (job / "policy.zip").is_file() and "pickles" in result.output


@sandboxed
def test_a_policy_trained_in_the_sandbox_loads_safely_and_acts_like_its_pickle(tmp_path):
    import numpy as np

    from rewardsmith.resources import resource_dir
    from rewardsmith.rl.policy import load_policy
    from rewardsmith.rl.safe_policy import load_safe_policy

    out, reward = tmp_path / "out", tmp_path / "reward.py"
    reward.write_text((resource_dir("envs") / "tasks" / "reference" / "pendulum_balance.py")
                      .read_text())
    result = CliRunner().invoke(app, ["train", "--task", "pendulum-balance", "--reward",
                                      str(reward), "--out", str(out), "--steps", "1024",
                                      "--no-video"])
    assert result.exit_code == 0, result.output
    job = next(out.glob(".sandbox-*"))
    assert not (out / "policy.zip").exists() and (job / "policy.zip").is_file()
    safe = load_safe_policy(out, "InvertedPendulum-v5")  # what the parent may load
    sb3 = load_policy(job, "InvertedPendulum-v5")  # the pickles: a test may, the parent never
    obs = np.random.default_rng(1).normal(scale=3.0, size=(500, 4))
    assert float(np.max(np.abs(safe.predict(obs) - sb3.predict(obs)))) == 0.0


# ---- the pieces, without a sandbox ------------------------------------------------------------
def _events(tmp_path: Path, *lines: bytes) -> EventReader:
    (tmp_path / "events.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    return EventReader(tmp_path / "events.jsonl", root=tmp_path)


GOOD_EVENT = b'{"event": "progress", "steps": 5, "total": 10, "fps": 100.0}'


@pytest.mark.parametrize("line, reason", [
    (b"{not json", "line 1 is not JSON"),
    (b'"just a string"', "line 1 is a str ('just a string'), not an event"),
    (b'{"event": "progress", "steps": "' + b"9" * 70_000 + b'"}', "line 1 is longer than 65,536"),
    (b"[" * 50_000, "line 1 is not JSON a job writes (RecursionError)"),
    (b'{"event": "progress", "steps": "many", "total": 2, "fps": 1.0}',
     "line 1 (progress).steps is a str ('many'), expected an integer"),
    (b'{"event": "progress", "steps": 1, "total": 2}', "line 1 (progress) has no field 'fps'"),
    (b'{"event": "best", "candidate": "cand_1"}', "line 1 is not an event a job writes"),
    (b'{"event": "eval", "steps": 1, "total": 2, "fitness": 1.0, "success_rate": null, '
     b'"episode_length": 3.0, "candidate": "cand_1"}', "has a field 'candidate' it never has"),
    (b'{"event": "start", "steps": 0, "total": 9, "env": "\\u001b[2J", "algo": "ppo", '
     b'"out": "."}', "holds control characters"),
], ids=["bad-json", "not-an-object", "huge-line", "nested", "wrong-type", "missing-field",
        "not-a-job-event", "names-a-candidate", "terminal-escape"])
def test_every_kind_of_forged_event_line_is_dropped_with_its_reason(tmp_path, line, reason):
    reader = _events(tmp_path, GOOD_EVENT, line, GOOD_EVENT)
    events = reader.read_new()
    reader.close()
    assert events == [json.loads(GOOD_EVENT)] * 2
    assert reader.n_problems == 1 and reason.replace("line 1", "line 2") in reader.problem


def test_a_second_done_event_and_a_replaced_file_are_problems(tmp_path):
    done = b'{"event": "done", "steps": 9, "total": 9, "fitness": 0.5, "success": false}'
    reader = _events(tmp_path, done, done)
    assert len(reader.read_new()) == 1 and "line 2 is a second 'done' event" in reader.problem
    reader.close()
    reader = _events(tmp_path, GOOD_EVENT)
    assert len(reader.read_new()) == 1
    os.unlink(tmp_path / "events.jsonl")
    (tmp_path / "events.jsonl").write_bytes(GOOD_EVENT + b"\n" + GOOD_EVENT + b"\n")
    assert reader.read_new() == [] and "was replaced or removed" in reader.problem
    reader.close()


def test_results_with_wrong_types_are_refused_with_the_field_named():
    good = {"out": ".", "metrics": METRICS}
    assert check_result("train", good) == good
    for metrics, reason in (
            ({**METRICS, "evals": 5}, "result.metrics.evals is a int (5), expected a list"),
            ({**METRICS, "final": {**EVAL, "component_returns": {"\x1b[31mup": 1.0}}},
             "component_returns key holds control characters"),
            ({**METRICS, "steps": 10 ** 30}, "result.metrics.steps is a int"),
            ({k: v for k, v in METRICS.items() if k != "final"}, "has no field 'final'")):
        with pytest.raises(OutputRefused) as caught:
            check_result("train", {"out": ".", "metrics": metrics}, "result")
        assert reason in str(caught.value), str(caught.value)
    trusted = check_result("train", {"out": ".", "metrics": {**METRICS, "planted": [1] * 9}})
    assert "planted" not in trusted["metrics"]  # fields no job writes are dropped


# ---- best/: the safe files and a note, never the pickles ------------------------------------
def test_best_gets_the_safe_files_and_a_readme_and_never_the_pickles(tmp_path):
    from types import SimpleNamespace

    from rewardsmith.envs.registry import get_task
    from rewardsmith.run.best import BestTracker
    from rewardsmith.run_dir import RunDir
    from rewardsmith.safe_files import write_json

    run = RunDir(tmp_path / "run")
    write_json(run.run_json, {"config": {"env_id": "InvertedPendulum-v5", "env_kwargs": {}}})
    for j, files in enumerate(({"policy_weights.pt": b"w0", "vecnormalize.json": b"{}",
                                "video.mp4": b"v0", "policy.zip": b"pickle"},
                               {"policy_weights.pt": b"w1", "vecnormalize.json": b"{}"})):
        folder = run.candidate(0, j)
        folder.mkdir(parents=True)
        (folder / "reward.py").write_text(f"# reward {j}\n")
        for name, data in files.items():
            (folder / name).write_bytes(data)
        (folder / "sandbox" / "rung_0").mkdir(parents=True)
        (folder / "sandbox" / "rung_0" / "vecnormalize.pkl").write_bytes(b"pickle")
    tracker = BestTracker(run, get_task("pendulum-balance"))

    def scored(j: int, fitness: float):
        return SimpleNamespace(id=f"cand_{j}", failed=False, fitness=fitness,
                               source=f"# reward {j}\n", component_returns={})

    tracker.consider(0, [scored(0, 0.5)], ["cand_0"], None)
    best = run.best_dir
    assert sorted(p.name for p in best.iterdir()) == [
        "README.md", "policy_weights.pt", "reward.py", "vecnormalize.json", "video.mp4"]
    readme = (best / "README.md").read_text()
    assert "`policy_weights.pt` | the policy network's weights, tensors only | yes" in readme
    assert "load_safe_policy(" in readme and "iter_0/cand_0/sandbox/rung_<r>/" in readme
    assert "pickles written by untrusted code" in readme
    # A new best without a video: the old best's video must not stay beside its files.
    tracker.consider(0, [scored(1, 0.9)], ["cand_1"], None)
    assert (best / "policy_weights.pt").read_bytes() == b"w1" and not (best / "video.mp4").exists()
    assert not list(best.glob("*.zip")) and not list(best.glob("*.pkl"))


def test_export_refuses_a_best_entry_whose_fields_could_break_out_of_the_docstring(tmp_path):
    from rewardsmith.errors import RewardsmithError
    from rewardsmith.results.export import export_run
    from rewardsmith.run_dir import RunDir
    from rewardsmith.safe_files import write_json

    run = RunDir(tmp_path / "run")
    run.root.mkdir()
    write_json(run.run_json, {"config": {"env_id": "InvertedPendulum-v5",
                                         "task_id": "pendulum-balance", "text": "balance it"}})
    source = "import numpy as np\n\n\ndef compute_reward(s, a, n):\n    return a[:, 0], {}\n"
    write_json(run.state_json, {"best": {"source": source, "iteration": 0,
                                         "candidate": "cand_0",
                                         "fitness": '"""\nimport os; os.system("id")\n"""'}})
    out = tmp_path / "exported.py"
    with pytest.raises(RewardsmithError, match="fitness"):
        export_run(run.root, out)
    assert not out.exists()
