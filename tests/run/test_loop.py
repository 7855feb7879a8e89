"""The design loop's sequencing, driven with fakes in place of its parts: no training, no LLM.

Each fake records what the loop asked of it, so the tests check the loop's contract: which part
is called when, with what, what lands on disk, and that a resumed run redoes nothing. The real
parts are tested on their own (designers/, evaluator/, feedback/) and together in
``test_design_loop.py`` (real sandbox, real trainings, a real HTTP LLM server).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rewardsmith.designers.base import DesignRequest, Draft
from rewardsmith.designers.critic import Verdict
from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.evaluator.candidate_dir import CandidateResult
from rewardsmith.feedback.ranking import Ranking
from rewardsmith.feedback.source import PreferenceSource, ReflectionSource
from rewardsmith.run.best import BestTracker
from rewardsmith.run.config import DesignConfig
from rewardsmith.run.loop import DesignLoop
from rewardsmith.run_dir import RunDir
from rewardsmith.safe_files import read_json, write_json

TASK = get_task("pendulum-balance")


def reward(score: float, tag: str = "") -> str:
    """A candidate whose fake training scores ``score`` (the fake evaluator reads the comment)."""
    return (f"# score: {score}\n# {tag}\nimport numpy as np\n\n"
            f"def compute_reward(state, action, next_state):\n"
            f"    up = np.cos(next_state.pole_angle)\n    return up, {{'up': up}}\n")


def score_of(source: str) -> float | None:
    found = re.search(r"# score: (\S+)", source)
    return None if found is None or found.group(1) == "crash" else float(found.group(1))


@dataclass
class FakeDesigner:
    """Proposes the scripted sources of each iteration; repairs by one script too."""

    scripts: list[list[str]]
    repairs: dict[str, str] = field(default_factory=dict)
    requests: list[DesignRequest] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    label: str = "fake designer"
    uses_llm: bool = False

    def propose(self, request: DesignRequest) -> list[Draft]:
        self.requests.append(request)
        return [Draft(source, reply=f"draft {j}")
                for j, source in enumerate(self.scripts[request.iteration][:request.k])]

    def repair(self, draft: Draft, error: str, request: DesignRequest, attempt: int,
               key: str) -> Draft | None:
        self.repaired.append(error)
        fixed = self.repairs.get(draft.source or "")
        return Draft(fixed) if fixed else None


class FakeCritic:
    """Rejects sources that contain ``REJECT`` at the static stage, accepts the rest."""

    def __init__(self):
        self.checked: list[str] = []

    def check(self, source: str, workdir: Path, task_text: str, env_text: str,
              key: str) -> Verdict:
        self.checked.append(source)
        if "REJECT" in source:
            return Verdict(False, "static", "line 2: `REJECT` is not allowed; remove it")
        return Verdict(True, "passed")


@dataclass
class FakeReport:
    ranking: list[str]
    results: dict[str, CandidateResult]

    def result(self, candidate_id: str) -> CandidateResult:
        return self.results[candidate_id]


class FakeEvaluator:
    """Scores each candidate by its ``# score:`` comment and writes what the real one writes."""

    def __init__(self, interrupt_on_call: int | None = None):
        self.calls: list[list[str]] = []
        self.interrupt_on_call = interrupt_on_call

    def evaluate(self, candidates: list, out_dir: Path) -> FakeReport:
        self.calls.append([c.id for c in candidates])
        if self.interrupt_on_call == len(self.calls):
            raise KeyboardInterrupt
        results = {}
        for c in candidates:
            fitness = score_of(c.source)
            state = "failed" if fitness is None else "finished"
            results[c.id] = CandidateResult(c.id, state, 0, 1000, fitness,
                                            error="worker crashed" if fitness is None else None)
            if fitness is not None:
                write_json(out_dir / c.id / "metrics.json", {
                    "steps": 1000, "evals": [{"fitness_mean": fitness}],
                    "final": {"component_returns": {"up": fitness}, "episode_length": 10.0}})
        ranking = sorted(results, key=lambda cid: -(results[cid].fitness or -1e9))
        best = ranking[0] if results[ranking[0]].fitness is not None else None
        write_json(out_dir / "report.json", {
            "best": best, "best_reeval": _reeval(results[best].fitness) if best else None})
        return FakeReport(ranking, results)


def _reeval(fitness: float) -> dict[str, Any]:
    return {"fitness_mean": fitness, "fitness_sem": 0.0, "seeds": [100_000, 100_001]}


class FixedRanker:
    """A teacher who prefers the lowest-scoring candidate (to tell it apart from fitness)."""

    def __init__(self):
        self.asked: list[int] = []

    def rank(self, iteration: int, candidates: list) -> Ranking:
        self.asked.append(iteration)
        trained = sorted((c for c in candidates if not c.failed), key=lambda c: c.fitness)
        order = [c.id for c in trained]
        return Ranking(best=order[0], worst=order[-1], order=order, source="synthetic",
                       queries=1)


def make_loop(tmp_path: Path, designer: FakeDesigner, evaluator: FakeEvaluator | None = None,
              source: Any = None, by_preference: bool = False, **settings: Any
              ) -> tuple[DesignLoop, RunDir, FakeCritic, FakeEvaluator]:
    run = RunDir(tmp_path / "run")
    config = DesignConfig(text=TASK.text, env_id=TASK.env_id, task_id=TASK.id,
                          **{"candidates": 2, "iterations": 2, "workers": 1, **settings})
    if not run.run_json.is_file():
        write_json(run.run_json, {"config": config.model_dump()})
    critic, evaluator = FakeCritic(), evaluator or FakeEvaluator()
    loop = DesignLoop(run, config, description=get_description(TASK.env_id), designer=designer,
                      critic=critic, evaluator=evaluator,
                      feedback=source or ReflectionSource(steps=1000),
                      best=BestTracker(run, TASK, by_preference=by_preference))
    return loop, run, critic, evaluator


def test_each_iteration_is_written_and_the_best_is_the_highest_fitness(tmp_path):
    designer = FakeDesigner([[reward(0.2), reward(0.5)], [reward(0.4), reward(0.3)]])
    loop, run, critic, evaluator = make_loop(tmp_path, designer)
    state = loop.execute()
    assert [read_json(run.iteration(i) / "summary.json")["order"] for i in (0, 1)] == \
        [["cand_1", "cand_0"], ["cand_0", "cand_1"]]
    assert state["best"]["iteration"] == 0 and state["best"]["candidate"] == "cand_1"
    assert state["best"]["fitness"] == 0.5
    assert state["best_reeval"] == _reeval(0.5)
    assert (run.best_dir / "reward.py").read_text() == reward(0.5)
    assert state["finished"] is True
    assert evaluator.calls == [["cand_0", "cand_1"], ["cand_0", "cand_1"]]
    assert len(critic.checked) == 4


def test_the_next_prompt_carries_the_last_iterations_feedback_and_ranking(tmp_path):
    designer = FakeDesigner([[reward(0.2), reward(0.5)], [reward(0.4), reward(0.3)]])
    loop, run, _, _ = make_loop(tmp_path, designer)
    loop.execute()
    first, second = designer.requests
    assert first.iteration == 0 and first.feedback == "" and first.ranked == []
    assert second.feedback == (run.iteration(0) / "feedback.md").read_text()
    assert [o.id for o in second.ranked] == ["cand_1", "cand_0"]
    assert [o.score for o in second.ranked] == [0.5, 0.2]
    assert "iteration 0: best cand_1" in second.history_summary


def test_rejected_candidates_are_repaired_or_failed_and_never_trained(tmp_path):
    bad, fixed, hopeless = reward(0.9, "REJECT"), reward(0.6), reward(0.1, "REJECT too")
    designer = FakeDesigner([[bad, hopeless]], repairs={bad: fixed})
    loop, run, _, evaluator = make_loop(tmp_path, designer, iterations=1, max_repairs=1)
    loop.execute()
    assert evaluator.calls == [["cand_0"]]  # the repaired one only
    assert designer.repaired == ["line 2: `REJECT` is not allowed; remove it"] * 2
    summary = read_json(run.iteration(0) / "summary.json")
    by_id = {c["id"]: c for c in summary["candidates"]}
    assert by_id["cand_0"]["source"] == fixed and not by_id["cand_0"]["failed"]
    assert by_id["cand_1"]["failed"] and "REJECT" in by_id["cand_1"]["error"]


def test_when_every_candidate_is_rejected_nothing_trains_and_the_run_goes_on(tmp_path):
    designer = FakeDesigner([[reward(1, "REJECT")] * 2, [reward(0.3), reward(0.1)]])
    loop, run, _, evaluator = make_loop(tmp_path, designer)
    state = loop.execute()
    assert evaluator.calls == [["cand_0", "cand_1"]]  # iteration 1 only
    assert read_json(run.iteration(0) / "summary.json")["history_line"] == \
        "iteration 0: every candidate failed"
    assert state["best"]["iteration"] == 1


def test_a_candidate_that_fails_in_training_is_scored_failed_not_best(tmp_path):
    designer = FakeDesigner([[reward("crash"), reward(0.1)]])
    loop, run, _, _ = make_loop(tmp_path, designer, iterations=1)
    state = loop.execute()
    summary = read_json(run.iteration(0) / "summary.json")
    crashed = next(c for c in summary["candidates"] if c["id"] == "cand_0")
    assert crashed["failed"] and crashed["error"] == "worker crashed"
    assert summary["order"][-1] == "cand_0"
    assert state["best"]["candidate"] == "cand_1"


def test_success_ends_the_planned_iterations_early(tmp_path):
    above = TASK.success_threshold + 0.01
    designer = FakeDesigner([[reward(above), reward(0.1)], [reward(0.2), reward(0.3)]])
    loop, run, _, evaluator = make_loop(tmp_path, designer, iterations=2)
    state = loop.execute()
    assert len(evaluator.calls) == 1 and state["success"] is True
    assert not run.iteration(1).exists()


class SkippingEvaluator(FakeEvaluator):
    """Reports the last candidate as skipped: the evaluator ended the iteration at a success."""

    def evaluate(self, candidates: list, out_dir: Path) -> FakeReport:
        report = super().evaluate(candidates[:-1], out_dir)
        last = candidates[-1].id
        report.results[last] = CandidateResult(last, "skipped", -1, 0, None)
        report.ranking.append(last)
        return report


def test_a_candidate_skipped_at_a_success_is_not_trained_and_not_a_failure(tmp_path):
    above = TASK.success_threshold + 0.01
    designer = FakeDesigner([[reward(above), reward(0.1), reward(0.5)]])
    loop, run, _, _ = make_loop(tmp_path, designer, SkippingEvaluator(), candidates=3)
    state = loop.execute()
    summary = read_json(run.iteration(0) / "summary.json")
    skipped = next(c for c in summary["candidates"] if c["id"] == "cand_2")
    assert skipped["fitness"] is None and skipped["error"].startswith("not trained")
    assert "Not trained: another candidate reached the success threshold" in skipped["analysis"]
    assert "0 of 3 failed" in summary["history_line"]
    assert state["best"]["candidate"] == "cand_0" and state["success"] is True


def test_a_finished_run_executed_again_calls_no_part(tmp_path):
    scripts = [[reward(0.2), reward(0.5)], [reward(0.4), reward(0.3)]]
    loop, run, _, _ = make_loop(tmp_path, FakeDesigner(scripts))
    first = loop.execute()
    designer = FakeDesigner(scripts)
    again, _, critic, evaluator = make_loop(tmp_path, designer)
    assert again.execute()["best"] == first["best"]
    assert designer.requests == [] and critic.checked == [] and evaluator.calls == []


def test_an_interrupted_iteration_resumes_without_redrafting_or_rechecking(tmp_path):
    scripts = [[reward(0.2), reward(0.5)]]
    loop, run, _, _ = make_loop(tmp_path, FakeDesigner(scripts), FakeEvaluator(1), iterations=1)
    with pytest.raises(KeyboardInterrupt):
        loop.execute()
    assert read_json(run.iteration(0) / "candidates.json") is not None
    assert read_json(run.iteration(0) / "summary.json") is None
    designer = FakeDesigner(scripts)
    again, _, critic, evaluator = make_loop(tmp_path, designer, iterations=1)
    state = again.execute()
    assert designer.requests == [] and critic.checked == []
    assert evaluator.calls == [["cand_0", "cand_1"]]
    assert state["best"]["candidate"] == "cand_1"


def test_under_preferences_the_best_is_the_preferred_candidate_not_the_fittest(tmp_path):
    ranker = FixedRanker()
    source = PreferenceSource(ranker, fallback=ReflectionSource(steps=1000))
    designer = FakeDesigner([[reward(0.2), reward(0.5)], [reward(0.4), reward(0.3)]])
    loop, run, _, _ = make_loop(tmp_path, designer, source=source, by_preference=True,
                                feedback="synthetic")
    state = loop.execute()
    assert ranker.asked == [0, 1]
    assert state["best"] == {**state["best"], "iteration": 1, "candidate": "cand_1"}
    summary = read_json(run.iteration(0) / "summary.json")
    assert summary["order"] == ["cand_0", "cand_1"] and summary["queries"] == 1
    assert Ranking.load(run.iteration(0) / "ranking.json").best == "cand_0"


def test_preferences_fall_back_to_reflection_when_fewer_than_two_trained(tmp_path):
    ranker = FixedRanker()
    source = PreferenceSource(ranker, fallback=ReflectionSource(steps=1000))
    designer = FakeDesigner([[reward(0.2), reward(1, "REJECT")]])
    loop, run, _, _ = make_loop(tmp_path, designer, source=source, by_preference=True,
                                feedback="synthetic", iterations=1)
    loop.execute()
    assert ranker.asked == []
    assert not (run.iteration(0) / "ranking.json").exists()


def test_a_refinement_puts_its_sentence_and_candidate_first_in_the_next_request(tmp_path):
    scripts = [[reward(0.2), reward(0.5)], [reward(0.6), reward(0.7)]]
    loop, run, _, _ = make_loop(tmp_path, FakeDesigner(scripts), iterations=1)
    loop.execute()
    chosen = next(c for c in read_json(run.iteration(0) / "summary.json")["candidates"]
                  if c["id"] == "cand_0")
    write_json(run.iteration(1) / "refine.json", {
        "sentence": "swing less", "candidate_id": "iter_0/cand_0", "prompt": "REFINE: swing less",
        "previous": [{**chosen, "id": "iter_0/cand_0", "video": None}]})
    designer = FakeDesigner(scripts)
    again, _, _, evaluator = make_loop(tmp_path, designer, iterations=1)
    again.execute()
    (request,) = designer.requests
    assert request.iteration == 1 and request.feedback == "REFINE: swing less"
    assert request.user_text == "swing less" and request.ranked[0].id == "iter_0/cand_0"
    assert evaluator.calls == [["cand_0", "cand_1"]]
    assert json.loads((run.iteration(1) / "summary.json").read_text())["iteration"] == 1


def test_under_preferences_no_fitness_reaches_the_designer(tmp_path):
    """ICPL's contract: the designer learns the teacher's order, never a fitness value, curve or
    threshold (in the feedback text, the history, or the outcomes it is handed)."""
    ranker = FixedRanker()
    source = PreferenceSource(ranker, fallback=ReflectionSource(steps=1000))
    designer = FakeDesigner([[reward(0.2), reward(0.5)], [reward(0.4), reward(0.3)]])
    loop, _, _, _ = make_loop(tmp_path, designer, source=source, by_preference=True,
                              feedback="synthetic")
    loop.execute()
    later = designer.requests[1]
    assert later.feedback and "Preferred: candidate cand_0" in later.feedback
    for text in (later.feedback, later.history_summary):
        prose = re.sub(r"```python.*?```", "", text, flags=re.S)  # the fakes' code says "score"
        assert "Task score" not in prose and "task score" not in prose
        assert "fitness" not in prose and "threshold" not in prose and "success" not in prose
    assert [o.id for o in later.ranked] == ["cand_0", "cand_1"]
    assert all(o.score is None for o in later.ranked)


def test_under_reflection_the_designer_sees_the_task_score(tmp_path):
    designer = FakeDesigner([[reward(0.2), reward(0.5)], [reward(0.4), reward(0.3)]])
    loop, _, _, _ = make_loop(tmp_path, designer)
    loop.execute()
    later = designer.requests[1]
    assert "Task score over training: 0.5" in later.feedback
    assert "task score 0.5" in later.history_summary
    assert later.ranked[0].score == 0.5
