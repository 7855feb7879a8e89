"""The live table: each rung's own step target, job elapsed times and the iteration's estimate.

Event sequences are fed by hand with a fake clock (no training, no sleeping), then once through
the real evaluator with an executor that answers at once the way PPO does: a rung ends at the
first whole rollout past its target (12,500 -> 13,312 with 1,024-step rollouts).
"""

from __future__ import annotations

import io
import math
import re
from concurrent.futures import Future

import pytest
from rich.console import Console

from rewardsmith.evaluator import Candidate, HalvingConfig, evaluate_candidates
from rewardsmith.evaluator.eta import IterationClock, format_duration
from rewardsmith.evaluator.executors import Executor
from rewardsmith.evaluator.live import LiveTable
from rewardsmith.sandbox.runner import SandboxResult

RUNGS = [12_500, 25_000, 50_000]
IDS = ["c0", "c1", "c2", "c3"]
ROLLOUT = 1024  # InvertedPendulum's n_steps=256 x n_envs=4


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def render(table: LiveTable) -> str:
    console = Console(file=io.StringIO(), record=True, width=200, color_system=None)
    console.print(table._render())
    return console.export_text()


def row_of(text: str, cid: str) -> str:
    """The candidate's row, cells apart by single spaces."""
    line = next(line for line in text.splitlines() if re.search(rf"\b{cid}\b", line))
    return " ".join(line.replace("│", " ").split())


def start(n=4, workers=2):
    return {"event": "evaluation_start", "budget": RUNGS[-1], "rungs": RUNGS,
            "workers": workers, "entrants": [n, max(n // 2, 1), max(n // 4, 1)],
            "candidates": IDS[:n]}


def ev(kind, cid, rung, **fields):
    return {"event": kind, "candidate": cid, "rung": rung, **fields}


def train_rung(table, clock, cids, rung, begin, end, seconds=10.0):
    """Events of one rung's jobs running side by side: start -> progress -> rung_done."""
    for cid in cids:
        table.update(ev("queued", cid, rung, job="train"))
    for cid in cids:
        table.update(ev("worker_ready", cid, rung, job="train", startup_s=0.1))
        table.update(ev("start", cid, rung, job="train", steps=begin, total=RUNGS[rung]))
    clock.now += seconds / 2
    for cid in cids:
        table.update(ev("progress", cid, rung, job="train", steps=(begin + end) // 2,
                        total=RUNGS[rung], fps=1.0))
    clock.now += seconds / 2
    for cid in cids:
        table.update(ev("rung_done", cid, rung, steps=end, fitness=0.5, wall_s=seconds))


def test_a_promoted_candidate_shows_its_new_rungs_target_not_the_last_ones():
    clock = FakeClock()
    table = LiveTable(IDS, 3, show=False, clock=clock)
    table.update(start())
    train_rung(table, clock, IDS, 0, 0, 13_312)
    row = row_of(render(table), "c0")
    assert "13,312 / 12,500*" in row  # PPO's last rollout passed the target: marked, explained
    assert "PPO trains whole rollouts" in render(table)
    for cid in ("c2", "c3"):
        table.update(ev("stopped", cid, 0))
    for cid in ("c0", "c1"):
        table.update(ev("promoted", cid, 0))
    table.update(ev("queued", "c0", 1, job="train"))
    text = render(table)
    assert re.search(r"c0\s+2/3\s+13,312 / 25,000\s+-\s+0.5\s+queued", row_of(text, "c0"))
    assert "12,500" not in row_of(text, "c0") and "50,000" not in row_of(text, "c0")
    assert "13,312 / 12,500*" in row_of(text, "c2")  # a stopped one keeps the rung it reached


def test_a_success_shows_on_its_row_and_the_skipped_ones_say_why():
    clock = FakeClock()
    table = LiveTable(IDS, 3, show=False, clock=clock)
    table.update(start())
    train_rung(table, clock, ["c0", "c1"], 0, 0, 13_312)
    table.update(ev("succeeded", "c0", 0))
    for cid in ("c2", "c3"):
        table.update({**ev("skipped", cid, 0), "reason": "c0 reached the success threshold"})
    text = render(table)
    assert "reached the success threshold" in row_of(text, "c0")
    assert re.search(r"skipped\s+not trained: c0 reached the success threshold",
                     row_of(text, "c2"))


def test_after_a_success_only_the_running_trainings_count_as_time_left():
    # c0 reaches the threshold at rung 0 while c1 trains beside it; c2 and c3 are skipped and
    # no later rung runs, so the estimate is c1's rest of rung 0 alone, not three rungs' worth.
    clock = FakeClock()
    it = IterationClock(IDS, clock)
    it.update(start())
    for cid in ("c0", "c1"):
        it.update(ev("queued", cid, 0, job="train"))
        it.update(ev("start", cid, 0, job="train", steps=0, total=12_500))
    clock.now += 10
    it.update(ev("progress", "c1", 0, job="train", steps=5_000, total=12_500, fps=500.0))
    it.update(ev("rung_done", "c0", 0, steps=5_120, fitness=0.97, wall_s=10.0))
    before = sum(map(sum, it.work_left()))
    it.update(ev("succeeded", "c0", 0))
    for cid in ("c2", "c3"):
        it.update({**ev("skipped", cid, 0), "reason": "c0 reached the success threshold"})
    assert before > 12_500 * 2  # the plan still had c2, c3 and the later rungs
    assert it.work_left() == [[7_500], [], []]
    assert "c0 reached the success threshold" in it.caption()
    it.update(ev("rung_done", "c1", 0, steps=6_144, fitness=0.5, wall_s=12.0))
    assert sum(map(sum, it.work_left())) == 0 and "training done" in it.caption()


def test_elapsed_runs_with_the_job_and_freezes_when_it_ends():
    clock = FakeClock()
    table = LiveTable(["c0", "c1"], 3, show=False, clock=clock)
    table.update(start(n=2))
    text = render(table)
    assert re.search(r"c0\s+-\s+0 / 12,500\s+-", row_of(text, "c0"))  # queued: no job time yet
    table.update(ev("worker_ready", "c0", 0, job="train", startup_s=0.1))
    clock.now += 65
    assert "1:05" in row_of(render(table), "c0")
    table.update(ev("failed", "c0", 0, error_kind="runtime", error="boom"))
    clock.now += 600
    assert "1:05" in row_of(render(table), "c0")  # frozen at the failure
    table.update(ev("worker_ready", "c1", 0, job="train", startup_s=0.1))
    clock.now += 3
    table.update(ev("rung_done", "c1", 0, steps=13_312, fitness=1.0, wall_s=3.0))
    clock.now += 100
    assert "0:03" in row_of(render(table), "c1")
    table.update(ev("queued", "c1", 1, job="train"))  # its next job has not started
    assert re.search(r"13,312 / 25,000\s+-\s", row_of(render(table), "c1"))
    # a re-evaluation job is not a training job: it leaves the row's steps and time alone
    table.update(ev("progress", "c1", 1, job="reevaluate", steps=1, total=2, fps=1.0))
    assert "13,312 / 25,000" in row_of(render(table), "c1")


def test_the_estimate_says_estimating_until_a_rate_is_measured_then_falls_as_work_completes():
    clock = FakeClock()
    table = LiveTable(IDS, 3, show=False, clock=clock)
    table.update(start())
    assert "estimating..." in render(table)
    lefts = [table.clock.seconds_left()]
    for cid in ("c0", "c1"):
        table.update(ev("worker_ready", cid, 0, job="train", startup_s=0.1))
        table.update(ev("start", cid, 0, job="train", steps=0, total=12_500))
    clock.now += 5
    for cid in ("c0", "c1"):
        table.update(ev("progress", cid, 0, job="train", steps=5_000, total=12_500, fps=1e3))
    # 1,000 steps/s a job; rung 1: 2 x 7,500 + 2 x 12,500 on 2 workers = 20 s; rung 2: 2 jobs
    # of 12,500 at once = 12.5 s; rung 3: one job of 25,000 = 25 s.
    assert table.clock.rate() == pytest.approx(1000.0)
    assert table.clock.work_left() == [[7_500, 7_500, 12_500, 12_500], [12_500, 12_500],
                                       [25_000]]
    lefts.append(table.clock.seconds_left())
    assert lefts[-1] == pytest.approx(20 + 12.5 + 25)
    caption = render(table)
    assert "iteration elapsed 0:05" in caption and "about 0:57 left" in caption
    assert "90,000 env steps" in caption and "2 workers" in caption
    clock.now += 7.5
    for cid in ("c0", "c1"):
        table.update(ev("rung_done", cid, 0, steps=13_312, fitness=0.5, wall_s=12.5))
    lefts.append(table.clock.seconds_left())
    train_rung(table, clock, ["c2", "c3"], 0, 0, 13_312, seconds=13.3)
    lefts.append(table.clock.seconds_left())
    for cid in ("c2", "c3"):
        table.update(ev("stopped", cid, 0))
    for cid in ("c0", "c1"):
        table.update(ev("promoted", cid, 0))
    train_rung(table, clock, ["c0", "c1"], 1, 13_312, 25_600, seconds=12.3)
    lefts.append(table.clock.seconds_left())
    table.update(ev("stopped", "c1", 1))
    table.update(ev("promoted", "c0", 1))
    table.update(ev("queued", "c0", 2, job="train"))
    lefts.append(table.clock.seconds_left())
    assert lefts[0] is None
    assert all(a > b for a, b in zip(lefts[1:], lefts[2:], strict=False)), lefts
    assert table.clock.work_left() == [[], [], [50_000 - 25_600]]
    train_rung(table, clock, ["c0"], 2, 25_600, 50_176, seconds=24.6)
    table.update(ev("finished", "c0", 2))
    assert "training done" in render(table)
    clock.now += 30
    table.update({"event": "evaluation_done", "best": "c0"})
    elapsed = format_duration(table.clock.elapsed())
    clock.now += 300
    assert f"iteration elapsed {elapsed} · done" in render(table)  # frozen at the end


def test_rung_jobs_are_spread_over_the_workers_and_the_longest_job_bounds_a_rung():
    clock = FakeClock()
    it = IterationClock(IDS, clock)
    it.update(start(workers=4))
    it.update(ev("worker_ready", "c0", 0, job="train", startup_s=0.1))
    it.update(ev("start", "c0", 0, job="train", steps=0, total=12_500))
    clock.now += 10
    it.update(ev("progress", "c0", 0, job="train", steps=10_000, total=12_500, fps=1e3))
    # rung 1: four jobs (2,500 + 3 x 12,500) on 4 workers: the longest, 12.5 s; rung 2: two
    # jobs of 12,500 at once; rung 3: one of 25,000.
    assert it.seconds_left() == pytest.approx(12.5 + 12.5 + 25)
    it.workers = 1
    assert it.seconds_left() == pytest.approx(40 + 25 + 25)


def test_failed_candidates_leave_the_plan_and_forged_numbers_cannot_make_it_absurd():
    clock = FakeClock()
    it = IterationClock(IDS, clock)
    it.update(start())
    for cid in ("c1", "c2", "c3"):
        it.update(ev("failed", cid, 0, error_kind="runtime", error="x"))
    assert it.work_left() == [[12_500], [12_500], [25_000]]  # one left: it alone goes on
    it.update(ev("worker_ready", "c0", 0, job="train", startup_s=0.1))
    it.update(ev("start", "c0", 0, job="train", steps=0, total=12_500))
    clock.now += 1
    it.update(ev("progress", "c0", 0, job="train", steps=2**62, total=12_500, fps=1.0))
    assert it.rate() == pytest.approx(2 * 12_500)  # a claim counts at most twice the span
    for bad in ("many", True, 1.5, None, [3]):
        it.update(ev("progress", "c0", bad, job="train", steps=bad, total=bad, fps=1.0))
    it.update({"event": "evaluation_start", "rungs": ["x"], "workers": "all"})
    assert it.targets == RUNGS and it.workers == 2 and math.isfinite(it.seconds_left())
    it.update(ev("progress", "c0", 7, job="train", steps=1, total=1, fps=1.0))  # no rung 8
    assert it.target("c0") == 12_500


def test_without_evaluation_start_the_table_shows_steps_and_time_but_no_estimate():
    clock = FakeClock()
    table = LiveTable(["c0"], 1, show=False, clock=clock)
    table.update(ev("worker_ready", "c0", 0, job="train", startup_s=0.1))
    table.update(ev("progress", "c0", 0, job="train", steps=300, total=999, fps=1.0))
    clock.now += 2
    text = render(table)
    assert re.search(r"c0\s+1/1\s+300\s+0:02", row_of(text, "c0")) and "999" not in text
    assert "iteration elapsed 0:02" in text and "left" not in text


def test_durations_read_as_minutes_and_seconds():
    assert [format_duration(s) for s in (0, 5.9, 65, 3599, 3600, 7325)] == \
        ["0:00", "0:05", "1:05", "59:59", "1:00:00", "2:02:05"]


# --- through the evaluator ------------------------------------------------------------------

class RolloutExecutor(Executor):
    """Answers train jobs at once, ending each at the first whole rollout past its target."""

    def __init__(self):
        self.workers = 2
        self.done: dict[str, int] = {}

    def submit(self, job, on_event=None):
        fut: Future = Future()
        cid = job.key.split("/")[0]
        if job.kind == "reevaluate":
            result = {"fitness_mean": 1.0, "fitness_sem": 0.0, "success_rate": 0.0,
                      "seeds": job.args["seeds"], "per_seed": [{"episodes": [], "ended_by": {}}]}
        else:
            begin, target = self.done.get(cid, 0), job.args["steps"]
            steps = begin + math.ceil((target - begin) / ROLLOUT) * ROLLOUT
            self.done[cid] = steps
            if on_event:
                on_event({"event": "start", "steps": begin, "total": target, "env": "x",
                          "algo": "ppo", "out": job.args["out"]})
                on_event({"event": "progress", "steps": steps, "total": target, "fps": 1.0})
            quality = float(job.reward_source.split("=")[1])
            record = {"steps": steps, "fitness_mean": quality, "reward_return": 1.0,
                      "episode_length": 10.0, "ended_by": {}, "training_components": {}}
            result = {"out": job.args["out"], "metrics": {
                "steps": steps, "success": False, "final": record, "evals": [record]}}
        fut.set_result(SandboxResult(True, job.kind, result, None, None, 0.1))
        return fut

    def cancel_all(self):
        pass

    def close(self):
        pass


def test_through_the_evaluator_every_row_shows_its_own_rungs_target(tmp_path):
    clock = FakeClock()
    candidates = [Candidate(cid, f"# quality = {q}\n") for cid, q in zip(IDS, (1, 4, 3, 2),
                                                                          strict=True)]
    table = LiveTable(IDS, 3, show=False, clock=clock)
    seen: list[str] = []

    def on_event(event):
        clock.now += 1
        table.update(event)
        if event["event"] == "start" and event["rung"] > 0:  # the job's first event
            seen.append(row_of(render(table), event["candidate"]))

    evaluate_candidates("pendulum-balance", candidates, tmp_path, steps=RUNGS[-1],
                        executor=RolloutExecutor(), halving=HalvingConfig(), on_event=on_event,
                        live=False)
    assert table.clock.entrants == [4, 2, 1] and table.clock.workers == 2
    assert len(seen) == 3
    assert re.search(r"2/3\s+13,312 / 25,000\s", seen[0]), seen
    assert re.search(r"3/3\s+25,600 / 50,000\s", seen[-1]), seen
    text = render(table)
    assert re.search(r"c1\s+3/3\s+50,176 / 50,000\*", row_of(text, "c1"))
    assert "· done" in text
