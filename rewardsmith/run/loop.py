"""The design loop: designer -> critic -> evaluator -> analyzer -> feedback, N iterations.

Each iteration's results are written before the next starts; ``iter_<i>/summary.json`` marks an
iteration done. Running the loop again on the same run directory (``rewardsmith resume``) skips
everything already on disk, and the LLM record answers repeated requests without paying again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from rewardsmith.designers.base import Designer, DesignRequest, Outcome
from rewardsmith.designers.candidates import CandidateRecord, produce_candidates
from rewardsmith.designers.critic import Critic
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.feedback import sources
from rewardsmith.feedback.analyzer import analyze
from rewardsmith.feedback.source import FeedbackSource
from rewardsmith.run.best import BestTracker
from rewardsmith.run.config import DesignConfig
from rewardsmith.run_dir import METRICS_JSON, VIDEO_MP4, RunDir, candidate_index
from rewardsmith.safe_files import read_json, write_json, write_text

EventFn = Callable[[dict[str, Any]], None]


class CandidateEvaluator(Protocol):
    """Trains and scores one iteration's accepted candidates (the sandboxed evaluator).

    The returned report has ``ranking`` (ids, best first) and ``result(id)`` with ``state``
    (``"failed"``, ``"stopped"`` or finished), ``fitness``, ``error`` and ``signatures``; the
    candidates' ``metrics.json`` and ``video.mp4`` are in their folders under ``out_dir``.
    """

    def evaluate(self, candidates: list[CandidateRecord], out_dir: Path) -> Any:
        """Score ``candidates`` (resumable: a finished ``out_dir`` returns at once)."""


class DesignLoop:
    """Runs (or resumes) one design run: it only sequences the parts it is given.

    Args:
        run: the run directory (``run.json`` already written).
        config: the run's settings (text, K, N, repairs, workers, stop on success).
        description: the env description the designer sees.
        designer: writes and repairs candidates (LLM or offline).
        critic: static check, smoke test and review of each draft.
        evaluator: trains and scores the accepted candidates.
        feedback: turns an iteration into the next prompt's feedback.
        best: the best so far (``state.json`` and ``best/``).
        on_event: receives progress events (dicts) for display and the log.
        say: prints a line for the user.
    """

    def __init__(self, run: RunDir, config: DesignConfig, *, description: EnvDescription,
                 designer: Designer, critic: Critic, evaluator: CandidateEvaluator,
                 feedback: FeedbackSource, best: BestTracker, on_event: EventFn | None = None,
                 say: Callable[[str], None] = print):
        self.run = run
        self.config = config
        self.description = description
        self.designer = designer
        self.critic = critic
        self.evaluator = evaluator
        self.feedback = feedback
        self.best = best
        self.on_event = on_event or (lambda event: None)
        self.say = say

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
            summary = read_json(self.run.summary_json(i))
            refine = self.run.refine_json(i).is_file()
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
        refine = read_json(self.run.refine_json(i))
        by_id = {c.id: c for c in previous}
        order = list(feedback.order) if feedback else []
        if refine:  # the candidate the sentence is about comes first
            previous_refined = refine.get("previous", [])
            by_id.update({c["id"]: sources.ScoredCandidate(**{**c, "video": None})
                          for c in previous_refined})
            order = [refine["candidate_id"]] + [c for c in order if c != refine["candidate_id"]]
        blind = self._blind  # preference feedback: the order is all the designer learns
        ranked = [Outcome(c.id, c.source, None if blind else c.fitness, c.failed,
                          c.component_returns)
                  for c in (by_id[cid] for cid in order if cid in by_id)]
        request = DesignRequest(
            task_text=self.config.text, description=self.description, k=self.config.candidates,
            iteration=i, feedback=refine["prompt"] if refine else (feedback.text if feedback
                                                                    else ""),
            history_summary="\n".join(f"- {line}" for line in history[-5:]),
            ranked=ranked, user_text=refine["sentence"] if refine else "",
            env_note=self.config.env_note)
        records = produce_candidates(self.run, i, self.designer, self.critic, request,
                                     self.config.max_repairs, self.config.workers or 2,
                                     self.on_event)
        accepted = [r for r in records if r.accepted]
        self.say(f"iteration {i}: {len(accepted)} of {len(records)} candidates passed the "
                 f"critic and the smoke test")
        report = (self.evaluator.evaluate(accepted, self.run.iteration(i))
                  if accepted else None)
        scored = self._score(i, records, report)
        fb = self.feedback.give(i, scored, report.ranking if report else None, self.best)
        write_text(self.run.feedback_md(i), fb.text)
        if fb.ranking is not None:
            fb.ranking.save(self.run.ranking_json(i))
        self.best.consider(i, scored, fb.order, report)
        this = {c.id: c for c in scored}
        # the first *trained* candidate of the order: a failed one is never called the best
        top = next((this[cid] for cid in fb.order if cid in this and not this[cid].failed), None)
        score = "" if self._blind else \
            f" (task score {top.fitness if top and top.fitness is not None else 'n/a'})"
        failed = sum(c.failed and not (c.error or "").startswith("not trained") for c in scored)
        line = (f"iteration {i}: {'preferred' if self._blind else 'best'} {top.id}{score}; "
                f"{failed} of {len(scored)} failed"
                if top else f"iteration {i}: every candidate failed")
        summary = {"iteration": i, "order": fb.order, "feedback": fb.text,
                   "queries": fb.queries, "history_line": line,
                   "candidates": [c.__dict__ | {"video": str(c.video) if c.video else None}
                                  for c in scored]}
        write_json(self.run.summary_json(i), summary)
        return summary

    def _score(self, i: int, records: list[CandidateRecord], report: Any
               ) -> list[sources.ScoredCandidate]:
        scored = []
        for record in records:
            folder = self.run.candidate(i, candidate_index(record.id))
            if not record.accepted:
                error = record.attempts[-1]["error"] if record.attempts else "rejected"
                scored.append(sources.ScoredCandidate(record.id, record.source or "", None, True,
                                                      analyze(None, error=error), error=error))
                continue
            result = report.result(record.id)
            if result.state == "skipped":  # never trained: left out of rankings like a failure
                why = "another candidate reached the success threshold first"
                scored.append(sources.ScoredCandidate(record.id, record.source, None, True,
                                                      analyze(None, error=why, skipped=True),
                                                      error=f"not trained: {why}"))
                continue
            metrics = read_json(folder / METRICS_JSON)
            failed = result.state == "failed"
            signatures = [s.get("detail") or s.get("name", str(s)) if isinstance(s, dict)
                          else str(s)
                          for s in result.signatures]
            final = (metrics or {}).get("final") or {}
            video = folder / VIDEO_MP4
            scored.append(sources.ScoredCandidate(
                record.id, record.source, None if failed else result.fitness, failed,
                analyze(None if failed else metrics, error=result.error, signatures=signatures,
                        stopped_early=result.state == "stopped", show_fitness=not self._blind),
                video if video.is_file() else None, result.error,
                dict(final.get("component_returns", {}))))
        return scored

    @property
    def _blind(self) -> bool:
        """Preference feedback (a person or the simulated teacher): no fitness in any prompt."""
        return self.config.feedback in sources.PREFERENCE_KINDS

    def _scored_from_summary(self, summary: dict[str, Any]) -> list[sources.ScoredCandidate]:
        out = []
        for c in summary["candidates"]:
            c = dict(c)
            c["video"] = Path(c["video"]) if c.get("video") else None
            out.append(sources.ScoredCandidate(**c))
        return out

    def _reevaluate(self, best: dict[str, Any]) -> dict[str, Any] | None:
        report = read_json(self.run.report_json(best["iteration"]))
        if report and report.get("best") == best["candidate"]:
            return report.get("best_reeval")
        return None
