"""The design loop: designer -> critic -> evaluator -> analyzer -> feedback, N iterations.

Each iteration's results are written before the next starts; ``iter_<i>/summary.json`` marks an
iteration done. Running the loop again on the same run directory (``rewardsmith resume``) skips
everything already on disk, and the LLM record answers repeated requests without paying again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.designers.base import Designer, DesignRequest, Outcome
from rewardsmith.designers.candidates import produce_candidates
from rewardsmith.designers.critic import Critic
from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.feedback import sources
from rewardsmith.feedback.analyzer import analyze
from rewardsmith.feedback.oracle import SyntheticOracle
from rewardsmith.run.best import BestTracker
from rewardsmith.run.config import DesignConfig
from rewardsmith.run_dir import RunDir, read_json, write_json, write_text

EventFn = Callable[[dict[str, Any]], None]


class DesignLoop:
    """Runs (or resumes) one design run.

    Args:
        run: the run directory (``run.json`` already written).
        config: the run's settings.
        designer: the LLM or offline designer.
        client: the LLM client for the critic's review (None: no review).
        on_event: receives progress events (dicts) for display and the log.
        say: prints a line for the user.
    """

    def __init__(self, run: RunDir, config: DesignConfig, designer: Designer, client: Any,
                 on_event: EventFn | None = None, say: Callable[[str], None] = print):
        self.run = run
        self.config = config
        self.designer = designer
        self.task = get_task(config.task_id) if config.task_id else None
        self.description = get_description(config.env_id)
        self.critic = Critic(config.env_id, config.env_kwargs,
                             client if config.critic_review else None,
                             allow_unsafe=config.allow_unsafe_sandbox)
        self.on_event = on_event or (lambda event: None)
        self.say = say
        self.best = BestTracker(run, self.task, by_preference=config.feedback != "reflection")
        self.steps = int(config.steps or (self.task.default_steps if self.task else 300_000))

    def execute(self) -> dict[str, Any]:
        """Run the remaining iterations; returns the final state (also in ``state.json``).

        Iterations past ``config.iterations`` run only when ``rewardsmith refine`` asked for
        them (an ``iter_<i>/refine.json``), and a success ends the planned ones early.
        """
        previous: list[sources.ScoredCandidate] = []
        feedback: sources.Feedback | None = None
        history: list[str] = []
        i = 0
        while True:
            folder = self.run.iteration(i)
            summary = read_json(folder / "summary.json")
            refine = (folder / "refine.json").is_file()
            if summary is None:
                planned = i < self.config.iterations and not (
                    self.config.stop_on_success and self.best.succeeded())
                if not (planned or refine):
                    break
                summary = self._iteration(i, previous, feedback, history)
            previous = self._scored_from_summary(summary)
            feedback = sources.Feedback(summary["feedback"], summary["order"])
            history.append(summary["history_line"])
            i += 1
        if self.config.stop_on_success and self.best.succeeded():
            self.say("success threshold reached")
        return self.best.finish(self.config, self._reevaluate)

    def _iteration(self, i: int, previous: list[sources.ScoredCandidate],
                   feedback: sources.Feedback | None, history: list[str]) -> dict[str, Any]:
        self.on_event({"event": "iteration", "iteration": i})
        refine = read_json(self.run.iteration(i) / "refine.json")
        by_id = {c.id: c for c in previous}
        order = list(feedback.order) if feedback else []
        if refine:  # the candidate the sentence is about comes first
            previous_refined = refine.get("previous", [])
            by_id.update({c["id"]: sources.ScoredCandidate(**{**c, "video": None})
                          for c in previous_refined})
            order = [refine["candidate_id"]] + [c for c in order if c != refine["candidate_id"]]
        ranked = [Outcome(c.id, c.source, c.fitness, c.failed, c.component_returns)
                  for c in (by_id[cid] for cid in order if cid in by_id)]
        request = DesignRequest(
            task_text=self.config.text, description=self.description, k=self.config.candidates,
            iteration=i, feedback=refine["prompt"] if refine else (feedback.text if feedback
                                                                    else ""),
            history_summary="\n".join(f"- {line}" for line in history[-5:]),
            ranked=ranked, user_text=refine["sentence"] if refine else "")
        records = produce_candidates(self.run, i, self.designer, self.critic, request,
                                     self.config.max_repairs, self.config.workers or 2,
                                     self.on_event)
        accepted = [r for r in records if r.accepted]
        self.say(f"iteration {i}: {len(accepted)} of {len(records)} candidates passed the "
                 f"critic and the smoke test")
        report = self._evaluate(i, accepted) if accepted else None
        scored = self._score(i, records, report)
        fb = self._feedback(i, scored, report.ranking if report else None)
        write_text(self.run.iteration(i) / "feedback.md", fb.text)
        if fb.ranking is not None:
            fb.ranking.save(self.run.iteration(i) / "ranking.json")
        self.best.consider(i, scored, fb.order, report)
        top = next((c for c in scored if c.id == fb.order[0]), None) if fb.order else None
        line = (f"iteration {i}: best {top.id} "
                f"(task score {top.fitness if top.fitness is not None else 'n/a'}); "
                f"{sum(c.failed for c in scored)} of {len(scored)} failed"
                if top else f"iteration {i}: every candidate failed")
        summary = {"iteration": i, "order": fb.order, "feedback": fb.text,
                   "queries": fb.queries, "history_line": line,
                   "candidates": [c.__dict__ | {"video": str(c.video) if c.video else None}
                                  for c in scored]}
        write_json(self.run.iteration(i) / "summary.json", summary)
        return summary

    def _evaluate(self, i: int, accepted: list) -> Any:
        from rewardsmith.evaluator import Candidate, HalvingConfig, evaluate_candidates

        # Without a task there is no fitness to cut on: every candidate trains the whole budget.
        halving = self.config.halving_config() if self.task else HalvingConfig.full_budget()
        return evaluate_candidates(
            self.task, [Candidate(r.id, r.source) for r in accepted], self.run.iteration(i),
            steps=self.steps, workers=self.config.workers, executor=self.config.executor,
            halving=halving, on_event=self.on_event, env=self.config.env_id,
            seed=self.config.seed, reeval_seeds=self.config.reeval_seeds,
            train_kwargs=self.config.train_kwargs, ray_address=self.config.ray_address)

    def _score(self, i: int, records: list, report: Any) -> list[sources.ScoredCandidate]:
        scored = []
        for record in records:
            folder = self.run.candidate(i, int(record.id.split("_")[1]))
            if not record.accepted:
                error = record.attempts[-1]["error"] if record.attempts else "rejected"
                scored.append(sources.ScoredCandidate(record.id, record.source or "", None, True,
                                                      analyze(None, error=error), error=error))
                continue
            result = report.result(record.id)
            metrics = read_json(folder / "metrics.json")
            failed = result.state == "failed"
            signatures = [s.get("detail") or s.get("name", str(s)) if isinstance(s, dict)
                          else str(s)
                          for s in result.signatures]
            final = (metrics or {}).get("final") or {}
            video = folder / "video.mp4"
            scored.append(sources.ScoredCandidate(
                record.id, record.source, None if failed else result.fitness, failed,
                analyze(None if failed else metrics, error=result.error, signatures=signatures,
                        stopped_early=result.state == "stopped"),
                video if video.is_file() else None, result.error,
                dict(final.get("component_returns", {}))))
        return scored

    def _feedback(self, i: int, scored: list[sources.ScoredCandidate],
                  ranking: list[str] | None) -> sources.Feedback:
        kind = self.config.feedback
        trained = [c for c in scored if not c.failed]
        if kind == "reflection" or len(trained) < 2:
            return sources.reflection_feedback(i, self.steps, scored, self.best.scored_best(),
                                               ranking)
        if kind == "synthetic":
            oracle = SyntheticOracle(rationality_beta=self.config.oracle_beta,
                                     mistake_rate=self.config.oracle_mistake_rate,
                                     seed=self.config.seed + i)
            ranking = sources.synthetic_ranking(scored, oracle)
        else:
            ranking = sources.human_ranking(scored, self.run.iteration(i),
                                            title=self.config.text,
                                            context=f"Iteration {i}: pick the rollout closest to "
                                                    f"“{self.config.text}” and the furthest.",
                                            mode=self.config.rank_mode, announce=self.say)
        return sources.preference_feedback(i, scored, ranking, self.best.changes())

    def _scored_from_summary(self, summary: dict[str, Any]) -> list[sources.ScoredCandidate]:
        out = []
        for c in summary["candidates"]:
            c = dict(c)
            c["video"] = Path(c["video"]) if c.get("video") else None
            out.append(sources.ScoredCandidate(**c))
        return out

    def _reevaluate(self, best: dict[str, Any]) -> dict[str, Any] | None:
        report = read_json(self.run.iteration(best["iteration"]) / "report.json")
        if report and report.get("best") == best["candidate"]:
            return report.get("best_reeval")
        return None
