"""The best reward so far: chosen across iterations, copied to ``best/`` with a report.

``best/`` holds only what is safe to hand to a user: the parent's own copies from the winning
candidate's folder (the reward, the tensors-only policy and its JSON statistics, the video, the
checked metrics) and a ``README.md`` that says which of them load without running code. The
policy's pickles, written by the process that ran the reward, stay in the candidate's
``sandbox/`` folder and are never copied here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.run.config import DesignConfig
from rewardsmith.run_dir import (
    BEST_ARTIFACTS,
    BEST_README_MD,
    METRICS_JSON,
    POLICY_WEIGHTS_PT,
    POLICY_ZIP,
    REWARD_PY,
    SANDBOX_DIR,
    VECNORMALIZE_JSON,
    VECNORMALIZE_PKL,
    VIDEO_MP4,
    RunDir,
    candidate_index,
)
from rewardsmith.safe_files import read_json, write_bytes, write_json, write_text
from rewardsmith.templates import render_template

# What each file of best/ is and whether it is safe to load (best/README.md).
_ABOUT = {
    REWARD_PY: ("the winning reward program, written by the LLM",
                "it is code: read it before you run it (`rewardsmith.load_reward` executes it "
                "in your process)"),
    POLICY_WEIGHTS_PT: ("the policy network's weights, tensors only",
                        "yes, with `load_safe_policy` (below): `torch.load(weights_only=True)` "
                        "into a network rewardsmith builds itself"),
    VECNORMALIZE_JSON: ("the observation statistics the policy was trained with, plain numbers",
                        "yes: plain JSON, read by `load_safe_policy`"),
    VIDEO_MP4: ("a rollout of the final policy", "a video written in the sandbox: open it with "
                "a video player as you would any downloaded file"),
    METRICS_JSON: ("the candidate's training and evaluation numbers",
                   "yes: rewardsmith wrote it from checked values (measured in the process that "
                   "also ran the reward, so a hostile reward could have skewed them)"),
}


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
        """Replace ``best/``'s artifacts with the winner's (none of an earlier best is left)."""
        folder = self.run.candidate(iteration, candidate_index(cid))
        best = self.run.best_dir
        best.mkdir(parents=True, exist_ok=True)
        copied = []
        for name in BEST_ARTIFACTS:
            data = _read_own_file(folder / name)
            if data is None:
                (best / name).unlink(missing_ok=True)
                continue
            write_bytes(best / name, data)  # atomic, and never through a link at best/<name>
            copied.append(name)
        config = (read_json(self.run.run_json) or {}).get("config") or {}
        env_id = config.get("env_id") or getattr(self.task, "env_id", "ENV_ID")
        train_kwargs = config.get("train_kwargs") or {}
        write_text(best / BEST_README_MD, render_template(
            "best_readme.md.j2", files=[(name, *_ABOUT[name]) for name in copied],
            best_dir=str(best), env_id=env_id, env_kwargs=repr(config.get("env_kwargs") or {}),
            algo=train_kwargs.get("algo", "ppo"),
            algo_kwargs=repr(train_kwargs["algo_kwargs"]) if train_kwargs.get("algo_kwargs")
            else "",
            sandbox=(folder / SANDBOX_DIR).relative_to(self.run.root).as_posix(),
            pickles=[POLICY_ZIP, VECNORMALIZE_PKL]))

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


def _read_own_file(path: Path) -> bytes | None:
    """A file the parent wrote in a candidate's folder: a regular file, never a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read()
