"""Read a run directory back into one summary (drawn by :mod:`rewardsmith.results.render`).

:func:`inspect_run` gathers what a design run did (``run.json``, ``state.json``, each
``iter_<i>/summary.json`` and ``report.json``, each candidate's ``candidate.json`` and
``status.json``, the LLM records in ``llm/``) into a :class:`RunView`; it also reads runs that
are still going or were stopped, from whatever is on disk. :func:`render_run` prints that view
with rich: iterations x candidates, the best code and the diff between successive bests.
``rewardsmith report`` builds its HTML page from the same view.

A run folder holds files written by sandboxed code and by people, so nothing in it is trusted:
every value is checked for the type the view needs before it is used. A bad file at the root
(``run.json``, ``state.json``; :mod:`rewardsmith.results.run_root`) stops with
:class:`~rewardsmith.errors.CorruptRunFile`, because without it there is no run to show; a bad
file below it (an iteration's summary, a candidate's record, an LLM record) is skipped, named in
``RunView.problems``, and the rest is shown. Every
text is shown as plain text: :func:`render_run` prints no escape sequence and parses no markup
that came from the run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.feedback.sources import PREFERENCE_KINDS
from rewardsmith.plain_text import finite_number, plain_text
from rewardsmith.results.run_files import RunFileReader as _Reader
from rewardsmith.results.run_root import open_run, read_root
from rewardsmith.run_dir import (
    CANDIDATE_JSON,
    CANDIDATE_PREFIX,
    REWARD_PY,
    STATUS_JSON,
    VIDEO_MP4,
    RunDir,
    candidate_id,
    candidate_index,
    iteration_name,
)

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
class SuccessMeasure:
    """What "success" meant in the run: a built-in task's fitness, or the run's ``fitness.py``.

    Attributes:
        origin: who wrote it (``built-in task <id>``, the designer, the user's file).
        doc: what it measures, in words.
        threshold: the episode fitness a success reaches (None when unknown).
        source: the written ``fitness.py`` (empty for a built-in task).
    """

    origin: str
    doc: str
    threshold: float | None
    source: str = ""


def _measure(run: RunDir, config: dict[str, Any], reader: _Reader) -> SuccessMeasure | None:
    meta = reader.json(run.fitness_json, dict)
    if meta:
        return SuccessMeasure(str(meta.get("origin", "?")), str(meta.get("doc", "")),
                              finite_number(meta.get("threshold")), reader.text(run.fitness_py))
    task_id = config.get("task_id")
    if not isinstance(task_id, str):
        return None
    from rewardsmith.envs.registry import task_ids

    if task_id not in task_ids():
        return SuccessMeasure(f"task {task_id} (not registered here)", "", None)
    from rewardsmith.envs.registry import get_task

    task = get_task(task_id)
    threshold = finite_number(config.get("threshold"))
    return SuccessMeasure(f"built-in task {task_id}", task.fitness_doc,
                          task.success_threshold if threshold is None else threshold)


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
    problems: list[str] = field(default_factory=list)
    measure: SuccessMeasure | None = None

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
            old, new = best_label(before), best_label(after)
            text = "".join(difflib.unified_diff(
                before["source"].splitlines(keepends=True),
                after["source"].splitlines(keepends=True), fromfile=old, tofile=new))
            diffs.append((old, new, text))
        return diffs


def best_label(best: dict[str, Any]) -> str:
    return f"{iteration_name(best['iteration'])}/{best['candidate']}"


def inspect_run(path: str | Path) -> RunView:
    """Read a run directory (finished, stopped or still running).

    Args:
        path: the run directory (the folder holding ``run.json``).

    Returns:
        A :class:`RunView`; ``problems`` names each file below the root that was skipped.

    Raises:
        RewardsmithError: ``path`` is not a rewardsmith run.
        CorruptRunFile: ``run.json`` or ``state.json`` is not what rewardsmith writes.
    """
    run = open_run(path)
    meta, state = read_root(run)
    reader = _Reader(run.root)
    iterations = [_iteration(run, reader, i) for i in run.iterations()
                  if not _linked(run.iteration(i), reader)]
    return RunView(
        path=run.root, config=meta["config"], versions=meta["versions"],
        iterations=iterations, best=state["best"], best_history=state["best_history"],
        best_reeval=state["best_reeval"], success=state["success"],
        finished=state["finished"], llm=_llm_totals(run.llm_dir, reader),
        problems=reader.problems, measure=_measure(run, meta["config"], reader))


def _iteration(run: RunDir, reader: _Reader, i: int) -> IterationView:
    summary = reader.json(run.summary_json(i), dict)
    report = reader.json(run.report_json(i), dict)
    ranking = reader.json(run.ranking_json(i), dict)
    results = _by_id(report.get("candidates"))
    scored = _by_id(summary.get("candidates"))
    order = [c for c in _list(summary.get("order")) or _list(report.get("ranking"))
             if isinstance(c, str)]
    on_disk = {candidate_id(j) for j in run.candidates(i)
               if not _linked(run.candidate(i, j), reader)}
    ids = sorted({cid for cid in set(scored) | on_disk if _is_candidate_id(cid)},
                 key=candidate_index)
    candidates = [_candidate(run.candidate(i, candidate_index(cid)), reader, cid,
                             scored.get(cid), results.get(cid), order, ranking)
                  for cid in ids]
    feedback = summary.get("feedback")
    steps = report.get("env_steps")
    return IterationView(i, candidates, order, feedback if isinstance(feedback, str) else "",
                         finished=bool(summary),
                         env_steps=steps if _is_count(steps) else None)


def _candidate(folder: Path, reader: _Reader, cid: str, scored: dict | None,
               result: dict | None, order: list[str], ranking: dict) -> CandidateView:
    real = folder.is_dir() and not folder.is_symlink()
    record = reader.json(folder / CANDIDATE_JSON, dict) if real else {}
    status = reader.json(folder / STATUS_JSON, dict) if real else {}
    scored, result = scored or {}, result or {}
    accepted = record.get("accepted")
    if not isinstance(accepted, bool):
        accepted = not scored or scored.get("error") is None
    state = "rejected" if not accepted else _STATES.get(
        _text(result.get("state")) or _text(status.get("state")), "accepted")
    error = _text(scored.get("error")) or _text(result.get("error"))
    attempts = [a for a in _list(record.get("attempts")) if isinstance(a, dict)]
    if not accepted and not error and attempts:
        error = _text(attempts[-1].get("error"))
    fitness = finite_number(scored["fitness"]) if "fitness" in scored else \
        finite_number(result.get("fitness"))
    if fitness is None and state != "failed":
        rungs = status.get("rungs")
        rungs = {int(k): v for k, v in rungs.items()
                 if str(k).isdigit() and isinstance(v, dict)} if isinstance(rungs, dict) else {}
        fitness = finite_number(rungs[max(rungs)].get("fitness")) if rungs else None
    video = folder / VIDEO_MP4
    preferred = ("best" if ranking.get("best") == cid else
                 "worst" if ranking.get("worst") == cid else None)
    source = _text(scored.get("source")) or _text(record.get("source")) or (
        reader.text(folder / REWARD_PY) if real else "")
    steps = result.get("steps")
    return CandidateView(
        id=cid, state=state, fitness=None if state in ("failed", "rejected") else fitness,
        rank=order.index(cid) + 1 if cid in order and state not in ("failed", "rejected")
        else None,
        preferred=preferred, error=error, source=source, folder=folder,
        video=video if real and video.is_file() and not video.is_symlink() else None,
        steps=steps if _is_count(steps) else None)


def _linked(folder: Path, reader: _Reader) -> bool:
    """The folder is a symlink: skipped (and named), because what it points to is not the run."""
    if folder.is_symlink():
        reader.skip(folder, "is a symbolic link (rewardsmith never makes one in a run)")
        return True
    return False


def _by_id(entries: Any) -> dict[str, dict]:
    """``{id: entry}`` of a list of candidate entries; entries without a text id are left out."""
    return {e["id"]: e for e in _list(entries)
            if isinstance(e, dict) and isinstance(e.get("id"), str)}


def _is_candidate_id(cid: str) -> bool:
    """``cand_<digits>``: summary.json may name anything, the folder layout names these."""
    return cid.startswith(CANDIDATE_PREFIX) and cid.removeprefix(CANDIDATE_PREFIX).isdigit()


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None



def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _llm_totals(folder: Path, reader: _Reader) -> LLMTotals | None:
    """Sum usage and cost over the JSON records of ``llm/``; None when there are none."""
    paths = sorted(folder.glob("*.json")) if folder.is_dir() and not folder.is_symlink() else []
    if not paths:
        return None
    totals = LLMTotals()
    for path in paths:
        record = reader.json(path, dict)  # a bad record is a cache miss for the client too
        if not record:
            continue
        usage = record.get("usage") if isinstance(record.get("usage"), dict) else {}
        totals.calls += 1
        totals.errors += record.get("status") == "error"
        totals.prompt_tokens += int(finite_number(usage.get("prompt_tokens")) or 0)
        totals.completion_tokens += int(finite_number(usage.get("completion_tokens")) or 0)
        totals.cost_usd += finite_number(record.get("cost_usd")) or 0.0
        purpose = plain_text(record.get("purpose", "call"), 40)
        totals.by_purpose[purpose] = totals.by_purpose.get(purpose, 0) + 1
    return totals
