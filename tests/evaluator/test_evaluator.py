"""The evaluator: scheduling logic with a fake executor, then real sandboxed trainings.

The fake executor (tests only) answers jobs in-process from a quality written into each
candidate's source, so halving, failures, resume and preference ranking are checked in
milliseconds. The real tests train InvertedPendulum-v5 (``pendulum-balance``) for a few thousand
steps in the sandbox: a good reward, a deliberately weak one, a broken one and a hung one; the Ray
executor must give exactly the same results as the local one.
"""

from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from rewardsmith.evaluator import Candidate, HalvingConfig, evaluate_candidates
from rewardsmith.evaluator.evaluator import REEVAL_SEEDS
from rewardsmith.evaluator.executors import Executor, Job, JobCancelled, LocalExecutor
from rewardsmith.evaluator.live import LiveTable
from rewardsmith.resources import resource_dir
from rewardsmith.sandbox.isolation import IsolationLimits, detect_isolation_layers
from rewardsmith.sandbox.runner import SandboxResult

BUDGET = 8000


class FakeExecutor(Executor):
    """Answers jobs at once; a source line ``# quality = q`` sets its fitness, ``# crash`` fails."""

    def __init__(self):
        self.workers = 2
        self.jobs: list[Job] = []

    def submit(self, job, on_event=None):
        self.jobs.append(job)
        fut: Future = Future()
        quality = float(re.search(r"# quality = ([\d.]+)", job.reward_source).group(1))
        if "# crash" in job.reward_source:
            fut.set_result(SandboxResult(False, job.kind, None, "compute_reward raised "
                                         "ZeroDivisionError", "runtime", 0.1))
            return fut
        if on_event:
            on_event({"event": "progress", "steps": 1, "total": 2})
        if job.kind == "reevaluate":
            result = {"fitness_mean": quality, "fitness_sem": 0.01, "success_rate": 0.0,
                      "seeds": job.args["seeds"], "per_seed": [{"episodes": [], "ended_by": {}}]}
        else:
            steps = job.args["steps"]
            fitness = quality * (0.5 + 0.5 * steps / BUDGET)
            record = {"steps": steps, "fitness_mean": fitness, "reward_return": 10.0,
                      "episode_length": 1000.0, "ended_by": {"time_limit": 2, "terminated": 0},
                      "training_components": {"upright": {"mean": 1.0, "min": 0.0, "max": 2.0}}}
            result = {"out": job.args["out"], "metrics": {
                "steps": steps, "success": False, "final": record, "evals": [record]}}
        fut.set_result(SandboxResult(True, job.kind, result, None, None, 0.1))
        return fut

    def cancel_all(self):
        pass

    def close(self):
        pass

    def trained(self):
        return [(j.key.split("/")[0], j.args["steps"]) for j in self.jobs if j.kind == "train"]


def fake(*qualities, crash=()):
    return [Candidate(f"c{i}", f"# quality = {q}\n" + ("# crash\n" if i in crash else ""))
            for i, q in enumerate(qualities)]


def run_fake(out, candidates, executor=None, **kwargs):
    executor = executor or FakeExecutor()
    kwargs.setdefault("halving", HalvingConfig())
    report = evaluate_candidates("pendulum-balance", candidates, out, steps=BUDGET,
                                 executor=executor, live=False, **kwargs)
    return report, executor


def test_halving_spends_half_and_finds_the_best(tmp_path):
    report, ex = run_fake(tmp_path, fake(0.2, 0.9, 0.5, 0.1))
    assert report.best == "c1"
    assert report.ranking == ["c1", "c2", "c0", "c3"]
    assert report.env_steps == 2 * BUDGET  # 4 x 1/4 + 2 x 1/4 + 1 x 1/2
    assert [report.result(i).state for i in ("c0", "c1", "c2", "c3")] == \
        ["stopped", "done", "stopped", "stopped"]
    assert report.best_reeval["n_seeds"] == REEVAL_SEEDS  # the one default
    assert ex.trained()[-1] == ("c1", BUDGET)
    # A later rung continues from the previous one's checkpoint.
    rung2 = next(j for j in ex.jobs if j.key == "c1/rung_2")
    assert rung2.args["init_from"] == "rung_1" and rung2.args["out"] == "rung_2"
    metrics = json.loads((tmp_path / "c0" / "metrics.json").read_text())
    assert metrics["state"] == "stopped" and metrics["component_stats"]["upright"]["max"] == 2.0


def test_full_budget_trains_everyone(tmp_path):
    report, _ = run_fake(tmp_path, fake(0.2, 0.9, 0.5, 0.1),
                         halving=HalvingConfig.full_budget())
    assert report.best == "c1" and report.env_steps == 4 * BUDGET


def test_a_failed_candidate_is_marked_and_the_others_go_on(tmp_path):
    report, _ = run_fake(tmp_path, fake(0.9, 0.5, 0.4, crash=(0,)))
    failed = report.result("c0")
    assert failed.state == "failed" and failed.error_kind == "runtime"
    assert "ZeroDivisionError" in failed.error
    assert report.best == "c1" and report.ranking[-1] == "c0"


def test_all_failed_gives_no_best(tmp_path):
    report, ex = run_fake(tmp_path, fake(0.9, 0.5, crash=(0, 1)))
    assert report.best is None and report.best_reeval is None and report.env_steps == 0
    assert {r.state for r in report.candidates} == {"failed"}
    assert all(j.kind == "train" for j in ex.jobs)


def test_finished_run_is_reused_entirely(tmp_path):
    first, _ = run_fake(tmp_path, fake(0.2, 0.9, 0.5))
    again, ex = run_fake(tmp_path, fake(0.2, 0.9, 0.5))
    assert ex.jobs == [] and again.jobs_run == 0
    assert again.ranking == first.ranking and again.best_reeval == first.best_reeval


def test_resume_after_interrupt_runs_only_what_is_missing(tmp_path):
    seen = []

    def interrupt_after_two(event):
        if event["event"] == "rung_done":
            seen.append(event["candidate"])
            if len(seen) == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_fake(tmp_path, fake(0.2, 0.9, 0.5, 0.1), on_event=interrupt_after_two)
    statuses = {c: json.loads((tmp_path / c / "status.json").read_text()) for c in seen}
    assert all("0" in s["rungs"] for s in statuses.values())
    report, ex = run_fake(tmp_path, fake(0.2, 0.9, 0.5, 0.1))
    assert not any(cid in seen and steps == BUDGET // 4 for cid, steps in ex.trained())
    clean, _ = run_fake(tmp_path / "clean", fake(0.2, 0.9, 0.5, 0.1))
    assert report.ranking == clean.ranking and report.env_steps == clean.env_steps
    assert "evaluation_interrupted" in (tmp_path / "events.log").read_text()


class SlowFakeExecutor(FakeExecutor):
    """The fake's answers, two trainings at a time, each taking its candidate's ``delays_s``.

    A training that finds its job folder's end file (the evaluator's request to end at the next
    evaluation) answers as if it ended halfway.
    """

    def __init__(self, delays_s: dict[str, float]):
        super().__init__()
        self.delays_s = delays_s
        self._pool = ThreadPoolExecutor(self.workers)

    def submit(self, job, on_event=None):
        def answer():
            ended = job
            if job.kind == "train":
                time.sleep(self.delays_s[job.key.split("/")[0]])
                if (Path(job.workdir) / job.args.get("end_file", "-")).is_file():
                    ended = replace(job, args={**job.args, "steps": job.args["steps"] // 2})
            return FakeExecutor.submit(self, ended, on_event).result()

        return self._pool.submit(answer)

    def close(self):
        self._pool.shutdown(wait=True)


def test_end_at_success_skips_the_queue_and_ends_the_running_training(tmp_path):
    # c0 reaches the pendulum's threshold (0.95) in its first rung while c1 trains beside it:
    # c1 is asked to end at its next evaluation; c2 and c3, still queued, never train.
    events = []
    slow = {"c0": 0.3, "c1": 1.5, "c2": 0.1, "c3": 0.1}
    report, ex = run_fake(tmp_path, fake(1.6, 0.5, 0.9, 0.2), SlowFakeExecutor(slow),
                          end_at_success=True, on_event=events.append)
    first_rung = BUDGET // 4
    assert sorted(ex.trained()) == [("c0", first_rung), ("c1", first_rung // 2)]
    assert all(j.args["stop_at_fitness"] == 0.95 and j.args["end_file"] == "end_now"
               for j in ex.jobs if j.kind == "train")
    assert [report.result(i).state for i in ("c0", "c1", "c2", "c3")] == \
        ["done", "done", "skipped", "skipped"]
    assert report.best == "c0" and report.ranking == ["c0", "c1", "c2", "c3"]
    assert report.env_steps == first_rung + first_rung // 2
    assert report.result("c2").fitness is None and report.result("c2").steps == 0
    assert [e["candidate"] for e in events if e["event"] == "succeeded"] == ["c0"]
    assert {e["candidate"] for e in events if e["event"] == "skipped"} == {"c2", "c3"}
    again, ex2 = run_fake(tmp_path, fake(1.6, 0.5, 0.9, 0.2), SlowFakeExecutor(slow),
                          end_at_success=True)  # resumed: nothing trains, the same outcome
    assert ex2.trained() == [] and again.ranking == report.ranking and again.best == "c0"


def test_jobs_wait_in_the_evaluator_until_a_worker_is_free(tmp_path):
    # The executor is handed at most `workers` jobs at once: a queued job can still be dropped.
    ex = SlowFakeExecutor({f"c{i}": 0.2 for i in range(4)})
    in_flight, most = 0, 0
    original = ex.submit

    def counting_submit(job, on_event=None):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        fut = original(job, on_event)
        fut.add_done_callback(lambda _: _done())
        return fut

    def _done():
        nonlocal in_flight
        in_flight -= 1

    ex.submit = counting_submit
    report, _ = run_fake(tmp_path, fake(0.2, 0.9, 0.5, 0.1), ex)
    assert most <= ex.workers and report.best == "c1"


def test_end_at_success_lets_a_later_success_lead_a_steadier_rival(tmp_path):
    # Nobody reaches the threshold in rung 0; c1 does in rung 1. It leads the ranking even though
    # ranking by the mean of the last evaluations alone could have put another first.
    report, ex = run_fake(tmp_path, fake(0.9, 1.3, 0.5, 0.2), end_at_success=True)
    assert report.best == "c1" and report.result("c1").fitness >= 0.95
    assert max(steps for _, steps in ex.trained()) == BUDGET // 2  # no last rung


def test_without_end_at_success_every_rung_runs(tmp_path):
    report, ex = run_fake(tmp_path, fake(1.6, 0.5, 0.9, 0.2))
    assert max(steps for _, steps in ex.trained()) == BUDGET
    assert all("stop_at_fitness" not in j.args for j in ex.jobs)


def test_changed_source_is_trained_again(tmp_path):
    run_fake(tmp_path, fake(0.2, 0.9))
    changed = [Candidate("c0", "# quality = 0.95\n"), fake(0.2, 0.9)[1]]
    report, ex = run_fake(tmp_path, changed)
    assert {cid for cid, _ in ex.trained()} == {"c0"}
    assert report.best == "c0"


def test_preferences_rank_when_there_is_no_fitness(tmp_path):
    calls = []

    def prefer_highest_id(live):
        calls.append(sorted(e.id for e in live))
        return sorted((e.id for e in live), reverse=True)

    cands = fake(0.9, 0.1, 0.2, 0.3)
    report = evaluate_candidates(None, cands, tmp_path, steps=BUDGET, env="InvertedPendulum-v5",
                                 executor=FakeExecutor(), rank_fn=prefer_highest_id, live=False)
    assert report.best == "c3"  # by preference, although c0 has the highest quality
    assert calls == [["c0", "c1", "c2", "c3"], ["c2", "c3"], ["c3"]]
    calls.clear()
    evaluate_candidates(None, cands, tmp_path, steps=BUDGET, env="InvertedPendulum-v5",
                        executor=FakeExecutor(), rank_fn=prefer_highest_id, live=False)
    assert calls == []  # decisions are kept: a person is not asked again on resume


def test_clear_errors(tmp_path):
    with pytest.raises(Exception, match="rank_fn"):
        evaluate_candidates(None, fake(0.1), tmp_path, env="InvertedPendulum-v5",
                            executor=FakeExecutor(), live=False)
    with pytest.raises(Exception, match="unique"):
        run_fake(tmp_path, [Candidate("a", "# quality = 1\n")] * 2)
    with pytest.raises(Exception, match="folder names"):
        run_fake(tmp_path, [Candidate("../x", "# quality = 1\n")])


def test_live_table_and_event_log(tmp_path):
    from rich.console import Console

    run_fake(tmp_path, fake(0.2, 0.9, crash=(0,)))
    events = [json.loads(line) for line in (tmp_path / "events.log").read_text().splitlines()]
    kinds = {e["event"] for e in events}
    assert {"evaluation_start", "rung_done", "failed", "best", "evaluation_done"} <= kinds
    table = LiveTable(["c0", "c1"], 3, show=False)
    for e in events:
        table.update(e)
    console = Console(record=True, width=120)
    console.print(table._render())
    text = console.export_text()
    assert "failed" in text and "runtime" in text and "c1" in text


# --- real sandboxed trainings -----------------------------------------------------------------

sandboxed = pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                               reason="no network isolation on this machine")
GOOD = (resource_dir("envs") / "tasks" / "reference" / "pendulum_balance.py").read_text()
WEAK = '''import numpy as np


def compute_reward(state, action, next_state):
    # Deliberately weak: pays for pushing the cart around, not for balancing the pole.
    push = np.abs(next_state.cart_velocity)
    return push, {"push": push}
'''
BROKEN = '''import numpy as np


def compute_reward(state, action, next_state):
    height = next_state.pole_height
    return height, {"height": height}
'''
HUNG = '''import numpy as np


def compute_reward(state, action, next_state):
    n = 0
    while True:
        n += 1
'''
REAL = dict(steps=4000, halving=HalvingConfig(rungs=(0.5, 1.0)), reeval_seeds=2,
            n_eval_episodes=2, train_kwargs={"eval_every": 2000}, live=False)
REAL_CANDIDATES = [Candidate("good", GOOD), Candidate("weak", WEAK), Candidate("broken", BROKEN)]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    return out, evaluate_candidates("pendulum-balance", REAL_CANDIDATES, out, workers=2, **REAL)


@sandboxed
def test_real_candidates_trained_in_the_sandbox(real_run):
    out, report = real_run
    assert report.best == "good" and report.ranking == ["good", "weak", "broken"]
    good, weak, broken = (report.result(i) for i in ("good", "weak", "broken"))
    assert good.state == "done" and good.steps >= 4000 and good.fitness > weak.fitness
    assert weak.state == "stopped" and weak.steps < 4000
    assert broken.state == "failed" and broken.error_kind == "runtime"
    assert "pole_height" in broken.error
    for name in ("metrics.json", "policy_weights.pt", "vecnormalize.json", "video.mp4",
                 "status.json", "reward.py"):
        assert (out / "good" / name).is_file(), name
    # The pickles were written by the process that ran the reward: they stay in its job folder.
    assert not (out / "good" / "policy.zip").exists()
    assert (out / "good" / "sandbox" / "rung_1" / "policy.zip").is_file()
    assert (out / "good" / "video.mp4").stat().st_size > 1000
    metrics = json.loads((out / "good" / "metrics.json").read_text())
    assert set(metrics["component_stats"]) == {"upright", "centred", "effort"}
    episode = metrics["episodes"][0]
    assert episode["ended"] in ("terminated", "time_limit") and "fitness" in episode["trace"]
    assert set(episode["trace"]) >= {"upright", "centred", "effort", "reward", "fitness"}
    assert report.best_reeval["n_seeds"] == 2 and report.best_reeval["fitness_sem"] is not None
    weak_metrics = json.loads((out / "weak" / "metrics.json").read_text())
    assert "falls_early" in {s["name"] for s in weak_metrics["signatures"]}
    assert (out / "events.log").read_text().count("\n") > 5


@sandboxed
def test_real_resume_after_interrupt_gives_the_same_result(real_run, tmp_path):
    _, reference = real_run

    def interrupt(event):
        if event["event"] == "rung_done":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate_candidates("pendulum-balance", REAL_CANDIDATES, tmp_path, workers=2,
                            on_event=interrupt, **REAL)
    done_before = [p.parent.name for p in tmp_path.glob("*/rung_0.json")]
    assert done_before
    events = []
    report = evaluate_candidates("pendulum-balance", REAL_CANDIDATES, tmp_path, workers=2,
                                 on_event=events.append, **REAL)
    reused = {e["candidate"] for e in events if e["event"] == "reused"}
    assert set(done_before) <= reused
    assert report.ranking == reference.ranking
    assert [c.fitness for c in report.candidates] == [c.fitness for c in reference.candidates]


@sandboxed
def test_real_end_at_success_ends_the_training_and_skips_the_queue(tmp_path):
    # A threshold every evaluation reaches: the first candidate's sandboxed training ends at its
    # first evaluation, and the one queued behind it (one worker) never starts.
    from rewardsmith.envs.registry import get_task

    task = replace(get_task("pendulum-balance"), success_threshold=-1.0)
    report = evaluate_candidates(task, [Candidate("good", GOOD), Candidate("weak", WEAK)],
                                 tmp_path, workers=1, end_at_success=True,
                                 **{**REAL, "steps": 8000, "reeval_seeds": 1})
    good, weak = report.result("good"), report.result("weak")
    assert good.state == "done" and 2000 <= good.steps < 4000  # rung 0's target is 4000
    assert weak.state == "skipped" and weak.steps == 0 and not (tmp_path / "weak" / "sandbox"
                                                               / "rung_0").exists()
    assert report.best == "good" and report.ranking == ["good", "weak"]
    assert report.best_reeval["n_seeds"] == 1


@sandboxed
def test_real_hung_candidate_fails_and_others_finish(tmp_path):
    report = evaluate_candidates(
        "pendulum-balance", [Candidate("hung", HUNG), Candidate("good", GOOD)], tmp_path,
        # 45 s: the good job must finish inside it on a loaded machine (at 15 s it did not, once,
        # with the suite on two processes); the hung one is cut off at it either way
        workers=2, job_timeout_s=45, **{**REAL, "steps": 1000, "reeval_seeds": 1,
                                         "halving": HalvingConfig.full_budget()})
    hung = report.result("hung")
    assert hung.state == "failed" and hung.error_kind == "timeout"
    assert report.best == "good" and report.result("good").state == "done"


@sandboxed
def test_cancel_kills_a_silent_hung_sandbox(tmp_path):
    # A hung reward emits no events, so only the kill by process id can stop it.
    executor = LocalExecutor(1)
    events = []
    job = Job("hung", "train", HUNG, {"task": "pendulum-balance", "steps": 1000, "out": "r",
                                      "video": False}, tmp_path,
              IsolationLimits.from_policy("train").replace(wall_s=120.0))
    future = executor.submit(job, events.append)
    deadline = time.monotonic() + 60
    while not any(e["event"] == "start" for e in events) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # now spinning inside compute_reward
    assert not future.done()
    t0 = time.monotonic()
    executor.cancel_all()
    with pytest.raises(JobCancelled):
        future.result(timeout=15)
    assert time.monotonic() - t0 < 15
    executor.close()
    assert _children() == []


def _children() -> list[int]:
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and \
                    int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


@sandboxed
def test_ray_executor_gives_the_same_results(real_run, tmp_path):
    ray = pytest.importorskip("ray")
    from rewardsmith.evaluator import RayExecutor

    _, reference = real_run
    cands = [REAL_CANDIDATES[0], REAL_CANDIDATES[2]]  # good and broken: same rungs for good
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with RayExecutor(workers=2) as executor:
            report = evaluate_candidates("pendulum-balance", cands, tmp_path,
                                         executor=executor, **REAL)
    finally:
        ray.shutdown()
    assert report.best == reference.best == "good"
    for c in report.candidates:
        same = reference.result(c.id)
        assert (c.state, c.steps, c.fitness, c.error_kind) == \
            (same.state, same.steps, same.fitness, same.error_kind)
    assert report.best_reeval == reference.best_reeval
    assert Path(report.out_dir, "good", "video.mp4").is_file()
