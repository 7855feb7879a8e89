"""The best reward so far: chosen across iterations, copied to ``best/`` with a report."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from rewardsmith.run.config import DesignConfig
from rewardsmith.run_dir import (
    BEST_ARTIFACTS,
    RunDir,
    candidate_index,
    read_json,
    write_json,
    write_text,
)
from rewardsmith.templates import render_template


class BestTracker:
    """Keeps ``state.json``'s ``best`` entry and the ``best/`` folder up to date.

    Under reflection feedback the best is the highest task fitness over all iterations. Under
    preference feedback (a person or the synthetic oracle) it is the candidate preferred most
    recently: the fitness, when the task has one, is only reported, never used to choose.
    """

    def __init__(self, run: RunDir, task: Any, by_preference: bool = False):
        self.run = run
        self.task = task
        self.by_preference = by_preference or task is None
        self.state = read_json(run.state_json) or {}
        self.history: list[dict[str, Any]] = self.state.get("best_history", [])

    @property
    def current(self) -> dict[str, Any] | None:
        """``{"iteration", "candidate", "fitness", "source"}`` of the best so far."""
        return self.state.get("best")

    def scored_best(self) -> Any:
        """The best as a ScoredCandidate-like object (for the reflection prompt)."""
        from types import SimpleNamespace

        best = self.current
        if not best:
            return None
        return SimpleNamespace(fitness=best.get("fitness"), source=best.get("source", ""))

    def consider(self, iteration: int, scored: list, order: list[str], report: Any) -> None:
        """Update the best with one finished iteration."""
        trained = [c for c in scored if not c.failed]
        if not trained:
            return
        by_id = {c.id: c for c in trained}
        if not self.by_preference:
            # The head of the order (the evaluator's ranking): among equal fitnesses it is the
            # one trained longest, and the one the evaluator re-evaluated.
            challenger = next((by_id[cid] for cid in order
                               if cid in by_id and by_id[cid].fitness is not None), None)
            best = self.current
            better = challenger is not None and (best is None or best.get("fitness") is None
                                                 or challenger.fitness > best["fitness"])
        else:
            challenger = next((by_id[cid] for cid in order if cid in by_id), None)
            better = challenger is not None
        if better:
            self.state["best"] = {"iteration": iteration, "candidate": challenger.id,
                                  "fitness": challenger.fitness, "source": challenger.source,
                                  "components": sorted(challenger.component_returns)}
            self.history.append(self.state["best"])
            self.state["best_history"] = self.history
            self._copy_artifacts(iteration, challenger.id)
        write_json(self.run.state_json, self.state)

    def _copy_artifacts(self, iteration: int, cid: str) -> None:
        folder = self.run.candidate(iteration, candidate_index(cid))
        self.run.best_dir.mkdir(parents=True, exist_ok=True)
        for name in BEST_ARTIFACTS:
            if (folder / name).is_file():
                shutil.copy2(folder / name, self.run.best_dir / name)

    def succeeded(self) -> bool:
        """The best reached the task's success threshold."""
        best = self.current
        return bool(self.task is not None and best and best.get("fitness") is not None
                    and best["fitness"] >= self.task.success_threshold)

    def changes(self) -> str:
        """A short history of how the best changed between iterations (ICPL)."""
        lines = []
        for before, after in zip(self.history, self.history[1:], strict=False):
            added = sorted(set(after["components"]) - set(before["components"]))
            removed = sorted(set(before["components"]) - set(after["components"]))
            change = ", ".join(filter(None, [f"added {added}" if added else "",
                                             f"removed {removed}" if removed else ""]))
            lines.append(f"- iteration {after['iteration']}: {after['candidate']} became the "
                         f"best ({change or 'same components, new weights or shapes'})")
        return "\n".join(lines)

    def finish(self, config: DesignConfig, reevaluate: Callable[[dict], Any]) -> dict[str, Any]:
        """Write ``best/report.md`` and the final ``state.json``; return the state."""
        best = self.current
        if best is not None:
            reeval = reevaluate(best)
            self.state["best_reeval"] = reeval
            self.state["success"] = self.succeeded()
            write_text(self.run.best_report, render_template(
                "best_report.md.j2", config=config, best=best, reeval=reeval,
                task=self.task, success=self.succeeded(), history=self.history))
        self.state["finished"] = True
        write_json(self.run.state_json, self.state)
        return self.state
