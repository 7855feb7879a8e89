"""Read a run directory back into one summary, and draw it in the terminal.

:func:`inspect_run` gathers what a design run did (``run.json``, ``state.json``, each
``iter_<i>/summary.json`` and ``report.json``, each candidate's ``candidate.json`` and
``status.json``, the LLM records in ``llm/``) into a :class:`RunView`; it also reads runs that
are still going or were stopped, from whatever is on disk. :func:`render_run` prints that view
with rich: iterations x candidates, the best code and the diff between successive bests.
``rewardsmith report`` builds its HTML page from the same view.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.run_dir import (
    CANDIDATE_JSON,
    REWARD_PY,
    RUN_JSON,
    STATUS_JSON,
    VIDEO_MP4,
    RunDir,
    candidate_id,
    candidate_index,
    iteration_name,
    read_json,
)

logger = logging.getLogger(__name__)

PREFERENCE_KINDS = ("preference", "synthetic")
_STATES = {"done": "trained", "stopped": "stopped early", "failed": "failed"}


@dataclass
class CandidateView:
    """One candidate of one iteration.

    Attributes:
        id: ``cand_<j>``.
        state: ``trained``, ``stopped early``, ``failed``, ``rejected`` (by the critic or the
            smoke test) or ``accepted`` (passed the checks, not trained yet).
        fitness: task score (None when failed, rejected, not trained, or no task fitness).
        rank: 1-based place in the iteration's order (best first), None when unranked.
        preferred: ``"best"`` / ``"worst"`` when a preference ranking named it.
        error: why it failed or was rejected.
        source: the reward program.
        folder: its ``iter_<i>/cand_<j>`` folder.
        video: its rollout video, when one was recorded.
        steps: training steps it got.
    """

    id: str
    state: str
    fitness: float | None
    rank: int | None
    preferred: str | None
    error: str | None
    source: str
    folder: Path
    video: Path | None
    steps: int | None


@dataclass
class IterationView:
    """One iteration: its candidates, their order, and what the next prompt was told."""

    index: int
    candidates: list[CandidateView]
    order: list[str]
    feedback: str
    finished: bool
    env_steps: int | None = None


@dataclass
class LLMTotals:
    """Token and cost totals over the LLM records in ``llm/``."""

    calls: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    by_purpose: dict[str, int] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass
class RunView:
    """Everything :func:`inspect_run` found in a run directory."""

    path: Path
    config: dict[str, Any]
    versions: dict[str, str]
    iterations: list[IterationView]
    best: dict[str, Any] | None
    best_history: list[dict[str, Any]]
    best_reeval: dict[str, Any] | None
    success: bool | None
    finished: bool
    llm: LLMTotals | None

    @property
    def preference(self) -> bool:
        """Feedback was preferences (a person or the synthetic oracle ranked the rollouts)."""
        return self.config.get("feedback") in PREFERENCE_KINDS

    def is_best(self, iteration: int, candidate: str) -> bool:
        """This candidate is the run's best."""
        return bool(self.best and self.best["iteration"] == iteration
                    and self.best["candidate"] == candidate)

    def best_diffs(self) -> list[tuple[str, str, str]]:
        """``(from, to, unified diff)`` for each change of the best, oldest first."""
        diffs = []
        for before, after in zip(self.best_history, self.best_history[1:], strict=False):
            old, new = _label(before), _label(after)
            text = "".join(difflib.unified_diff(
                before.get("source", "").splitlines(keepends=True),
                after.get("source", "").splitlines(keepends=True), fromfile=old, tofile=new))
            diffs.append((old, new, text))
        return diffs


def _label(best: dict[str, Any]) -> str:
    return f"{iteration_name(best['iteration'])}/{best['candidate']}"


def inspect_run(path: str | Path) -> RunView:
    """Read a run directory (finished, stopped or still running).

    Args:
        path: the run directory (the folder holding ``run.json``).

    Returns:
        A :class:`RunView`.

    Raises:
        RewardsmithError: ``path`` is not a rewardsmith run.
    """
    run = open_run(path)
    meta = read_json(run.run_json) or {}
    state = read_json(run.state_json) or {}
    return RunView(
        path=run.root, config=meta.get("config", {}), versions=meta.get("versions", {}),
        iterations=[_iteration(run, i) for i in run.iterations()],
        best=state.get("best"), best_history=state.get("best_history", []),
        best_reeval=state.get("best_reeval"), success=state.get("success"),
        finished=bool(state.get("finished")), llm=_llm_totals(run.llm_dir))


def open_run(path: str | Path) -> RunDir:
    """Open a run directory, with a hint when ``path`` is missing or is the folder of runs."""
    root = Path(path)
    if not root.is_dir():
        raise RewardsmithError(f"{root} does not exist; pass a run directory made by "
                               f"`rewardsmith design` (the folder that holds run.json)")
    runs = sorted(p.parent for p in root.glob(f"*/{RUN_JSON}"))
    if not (root / RUN_JSON).is_file() and runs:
        raise RewardsmithError(f"{root} holds runs, it is not one: pass one of them, e.g. "
                               f"{runs[-1]}")
    return RunDir.open(root)


def _iteration(run: RunDir, i: int) -> IterationView:
    summary = read_json(run.summary_json(i)) or {}
    report = read_json(run.report_json(i)) or {}
    ranking = read_json(run.ranking_json(i)) or {}
    results = {c["id"]: c for c in report.get("candidates", [])}
    scored = {c["id"]: c for c in summary.get("candidates", [])}
    order = summary.get("order") or report.get("ranking") or []
    ids = sorted(set(scored) | {candidate_id(j) for j in run.candidates(i)}, key=candidate_index)
    candidates = [_candidate(run.candidate(i, candidate_index(cid)), cid, scored.get(cid),
                             results.get(cid), order, ranking) for cid in ids]
    return IterationView(i, candidates, order, summary.get("feedback", ""),
                         finished=bool(summary), env_steps=report.get("env_steps"))


def _candidate(folder: Path, cid: str, scored: dict | None, result: dict | None,
               order: list[str], ranking: dict) -> CandidateView:
    record = read_json(folder / CANDIDATE_JSON) or {}
    status = read_json(folder / STATUS_JSON) or {}
    accepted = record.get("accepted", scored is None or scored.get("error") is None)
    state = "rejected" if not accepted else _STATES.get(
        (result or {}).get("state") or status.get("state"), "accepted")
    error = (scored or {}).get("error") or (result or {}).get("error")
    if not accepted and not error and record.get("attempts"):
        error = record["attempts"][-1].get("error")
    fitness = (scored or {}).get("fitness", (result or {}).get("fitness"))
    if fitness is None and state != "failed":
        rungs = status.get("rungs") or {}
        last = rungs[max(rungs, key=int)] if rungs else {}
        fitness = last.get("fitness")
    video = folder / VIDEO_MP4
    preferred = ("best" if ranking.get("best") == cid else
                 "worst" if ranking.get("worst") == cid else None)
    return CandidateView(
        id=cid, state=state, fitness=None if state in ("failed", "rejected") else fitness,
        rank=order.index(cid) + 1 if cid in order and state not in ("failed", "rejected")
        else None,
        preferred=preferred, error=error,
        source=(scored or {}).get("source") or record.get("source") or (
            (folder / REWARD_PY).read_text() if (folder / REWARD_PY).is_file() else ""),
        folder=folder, video=video if video.is_file() else None,
        steps=(result or {}).get("steps"))


def _llm_totals(folder: Path) -> LLMTotals | None:
    """Sum usage and cost over the JSON records of ``llm/``; None when there are none."""
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not paths:
        return None
    totals = LLMTotals()
    for path in paths:
        try:
            record = read_json(path)
        except (CorruptRunFile, OSError) as exc:  # the LLM client skips it too (a cache
            logger.warning("ignoring %s", exc)  # miss): count the rest, still show the run
            continue
        if not isinstance(record, dict):
            continue
        usage = record.get("usage") or {}
        totals.calls += 1
        totals.errors += record.get("status") == "error"
        totals.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        totals.completion_tokens += int(usage.get("completion_tokens") or 0)
        totals.cost_usd += float(record.get("cost_usd") or 0.0)
        purpose = str(record.get("purpose", "call"))
        totals.by_purpose[purpose] = totals.by_purpose.get(purpose, 0) + 1
    return totals


_STYLE = {"trained": "green", "stopped early": "yellow", "failed": "red", "rejected": "red",
          "accepted": "cyan"}


def cell_text(view: RunView, iteration: int, c: CandidateView) -> str:
    """Plain text of one table cell: score (or rank under preferences) and state."""
    parts = [f"#{c.rank}"] if view.preference and c.rank is not None else []
    if c.fitness is not None:
        parts.append(f"{c.fitness:.3f}")
    parts.append(c.state)
    if view.is_best(iteration, c.id):
        parts.append("★")
    if c.preferred:
        parts.append(f"(picked {c.preferred})")
    return " ".join(parts)


def render_run(view: RunView, console: Any) -> None:
    """Print a :class:`RunView` with rich: summary, table, best code, diffs, LLM totals."""
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    config = view.config
    console.rule(f"run {view.path.name}")
    console.print(f"task: {config.get('text', '?')}\nenv: {config.get('env_id', '?')}"
                  + (f" (task {config['task_id']})" if config.get("task_id") else "")
                  + f"\nfeedback: {config.get('feedback', '?')}, designer: "
                  f"{config.get('designer', '?')}, {config.get('candidates', '?')} candidates x "
                  f"{config.get('iterations', '?')} iterations, "
                  f"{config.get('steps') or 'default'} steps each", highlight=False)
    if not view.iterations:
        console.print("[yellow]no iteration has started yet[/]")
    width = max((len(it.candidates) for it in view.iterations), default=0)
    table = Table(title="iterations x candidates: " + ("#rank, " if view.preference else "")
                  + "task score, state (★ best of the run)")
    table.add_column("iteration", justify="right")
    for j in range(width):
        table.add_column(candidate_id(j))
    for it in view.iterations:
        cells = []
        for c in it.candidates:
            style = "bold green" if view.is_best(it.index, c.id) else _STYLE.get(c.state, "")
            cells.append(Text(cell_text(view, it.index, c), style=style))
        label = str(it.index) + ("" if it.finished else " (running)")
        table.add_row(label, *cells, *[""] * (width - len(cells)))
    if view.iterations:
        console.print(table)
    if view.best is None:
        console.print("[yellow]no best yet[/]: no candidate has finished training")
    else:
        score = view.best.get("fitness")
        console.rule(f"best: {_label(view.best)}"
                     + (f", task score {score:.3f}" if score is not None else ""))
        console.print(Syntax(view.best.get("source", ""), "python", line_numbers=True,
                             word_wrap=True))
        reeval = view.best_reeval or {}
        if reeval.get("fitness_mean") is not None:
            console.print(f"re-evaluated on {reeval.get('n_seeds', '?')} seeds: "
                          f"{reeval['fitness_mean']:.3f} ± {reeval.get('fitness_sem') or 0:.3f}",
                          highlight=False)
        if view.success is not None:
            console.print("success threshold reached" if view.success
                          else "success threshold not reached", highlight=False)
    for old, new, diff in view.best_diffs():
        console.rule(f"best changed: {old} -> {new}")
        console.print(Syntax(diff or "(identical code)\n", "diff"))
    if view.llm is not None:
        llm = view.llm
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(llm.by_purpose.items()))
        console.print(f"LLM: {llm.calls} calls ({kinds}; {llm.errors} failed), "
                      f"{llm.prompt_tokens:,} prompt + {llm.completion_tokens:,} completion "
                      f"tokens, ${llm.cost_usd:.4f}", highlight=False)
