"""Write one iteration's candidates: designer drafts, checked by the critic, repaired or dropped.

Every candidate ends in ``iter_<i>/cand_<j>/candidate.json`` with its final status, so a resumed
run skips finished candidates (and the LLM record answers any repeated request for free).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.designers.base import Designer, DesignRequest, Draft
from rewardsmith.designers.critic import Critic
from rewardsmith.run_dir import CANDIDATE_JSON, CRITIC_JSON, REWARD_PY, RunDir, smoke_dir
from rewardsmith.safe_files import read_json, write_json, write_text


@dataclass
class CandidateRecord:
    """The fate of one candidate before training."""

    id: str
    accepted: bool
    source: str | None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    rationale: str = ""


def produce_candidates(run: RunDir, iteration: int, designer: Designer, critic: Critic,
                       request: DesignRequest, max_repairs: int, workers: int = 2,
                       on_event: Any = None) -> list[CandidateRecord]:
    """Draft, check and repair the candidates of ``iteration`` (idempotent)."""
    index = run.candidates_json(iteration)
    done = read_json(index)
    if done is not None:
        return [CandidateRecord(**c) for c in done]
    drafts = designer.propose(request)
    emit = on_event or (lambda event: None)
    emit({"event": "drafted", "iteration": iteration, "n": len(drafts)})
    env_text = request.description.render()

    def settle(j: int, draft: Draft) -> CandidateRecord:
        return _settle(run, iteration, j, draft, designer, critic, request, env_text,
                       max_repairs, emit)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        records = list(pool.map(settle, range(len(drafts)), drafts))
    write_json(index, [asdict(r) for r in records])
    return records


def _settle(run: RunDir, i: int, j: int, draft: Draft, designer: Designer, critic: Critic,
            request: DesignRequest, env_text: str, max_repairs: int, emit: Any
            ) -> CandidateRecord:
    folder = run.candidate(i, j)
    saved = read_json(folder / CANDIDATE_JSON)
    if saved is not None:
        return CandidateRecord(**saved)
    cid = folder.name
    attempts: list[dict[str, Any]] = []
    rationale = draft.reply if not designer.uses_llm else ""
    for attempt in range(max_repairs + 1):
        if draft.source is None:
            error, stage = draft.error or "no code found in the reply", "extraction"
        else:
            write_text(folder / REWARD_PY, draft.source)
            verdict = critic.check(draft.source, folder / smoke_dir(attempt), request.task_text,
                                   env_text, key=f"iter{i}/{cid}/critic{attempt}")
            write_json(folder / CRITIC_JSON, verdict.to_dict())
            if verdict.accepted:
                record = CandidateRecord(cid, True, draft.source, attempts, rationale)
                write_json(folder / CANDIDATE_JSON, asdict(record))
                emit({"event": "accepted", "candidate": cid, "attempts": attempt})
                return record
            error, stage = verdict.message, verdict.stage
        attempts.append({"attempt": attempt, "stage": stage, "error": error,
                         "source": draft.source})
        emit({"event": "rejected", "candidate": cid, "stage": stage, "error": error[:200]})
        if attempt == max_repairs:
            break
        repaired = designer.repair(draft, error, request, attempt, key=f"iter{i}/{cid}")
        if repaired is None:
            break
        draft = repaired
    record = CandidateRecord(cid, False, draft.source, attempts, rationale)
    write_json(folder / CANDIDATE_JSON, asdict(record))
    return record


def load_source(folder: Path) -> str | None:
    """The final source of a candidate folder."""
    path = folder / REWARD_PY
    return path.read_text() if path.is_file() else None
