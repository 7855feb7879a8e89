"""``rewardsmith refine RUN --feedback "..."``: one more iteration from a plain sentence
(Text2Reward). The sentence and the chosen candidate go into ``iter_<i>/refine.json``; the loop
then runs that iteration like any other, so an interrupted refinement resumes too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.feedback.sources import ScoredCandidate, text_feedback
from rewardsmith.run.api import resume
from rewardsmith.run_dir import RunDir, candidate_id, iteration_name
from rewardsmith.safe_files import read_json, write_json


def _chosen(run: RunDir, candidate: str | None) -> tuple[int, dict[str, Any]]:
    """The candidate the sentence is about: ``"I/J"`` or the best so far.

    Raises:
        RewardsmithError: ``candidate`` is not ``I/J`` with I, J >= 0, or names no candidate that
            trained.
        CorruptRunFile: ``state.json`` or the iteration's ``summary.json`` is not what
            rewardsmith writes.
    """
    if candidate is None:
        state = read_json(run.state_json) or {}
        best = state.get("best") if isinstance(state, dict) else None
        if best is None:
            raise RewardsmithError(f"{run.root} has no trained candidate yet; finish or resume "
                                   f"the run first, or name one with --candidate I/J")
        if not (isinstance(best, dict) and _is_index(best.get("iteration"))
                and isinstance(best.get("candidate"), str)):
            raise CorruptRunFile(run.state_json, "has a 'best' entry without an iteration "
                                                 "number and a candidate id")
        i, cid = best["iteration"], best["candidate"]
    else:
        parts = candidate.strip().split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise RewardsmithError(f"--candidate takes ITERATION/CANDIDATE, two numbers from 0, "
                                   f"e.g. 0/2; got {candidate!r}")
        i, cid = int(parts[0]), candidate_id(int(parts[1]))
    summary = read_json(run.summary_json(i))
    if summary is None:
        raise RewardsmithError(f"iteration {i} of {run.root} is not finished (no "
                               f"{run.summary_json(i).name}); `rewardsmith inspect {run.root}` "
                               f"shows the iterations")
    entries = summary.get("candidates") if isinstance(summary, dict) else None
    if not isinstance(entries, list) or not all(isinstance(c, dict) for c in entries):
        raise CorruptRunFile(run.summary_json(i), "has no list of candidates")
    for c in entries:
        if c.get("id") == cid:
            if c.get("failed") is not False:
                raise RewardsmithError(f"{i}/{cid} did not train ({c.get('error')}); choose a "
                                       f"candidate that trained (`rewardsmith inspect "
                                       f"{run.root}` shows them)")
            return i, c
    raise RewardsmithError(f"iteration {i} has no candidate {cid}; `rewardsmith inspect "
                           f"{run.root}` shows them")


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def refine(path: str | Path, sentence: str, candidate: str | None = None, *,
           on_event: Callable[[dict], None] | None = None,
           say: Callable[[str], None] = print) -> Any:
    """Run one more iteration of ``path`` steered by ``sentence``.

    Args:
        path: the run directory.
        sentence: what you saw and want changed, e.g. "the cheetah flips but lands on its back".
        candidate: ``"I/J"`` (iteration I, candidate J); the best so far by default.
    """
    if not sentence.strip():
        raise RewardsmithError("--feedback needs a sentence describing what to change")
    run = RunDir.open(path)
    i, chosen = _chosen(run, candidate)
    done = [k for k in run.iterations() if run.summary_json(k).is_file()]
    nxt = (max(done) + 1) if done else 0
    pending = run.refine_json(nxt)
    if pending.is_file():
        raise RewardsmithError(f"a refinement is already pending in {pending.parent}; run "
                               f"`rewardsmith resume {run.root}` to finish it")
    chosen_id = f"{iteration_name(i)}/{chosen['id']}"
    fitness = chosen.get("fitness")
    wrong = [key for key, ok in (
        ("source", isinstance(chosen.get("source"), str)),
        ("fitness", fitness is None or (isinstance(fitness, int | float)
                                        and not isinstance(fitness, bool))),
        ("analysis", isinstance(chosen.get("analysis", ""), str)),
        ("component_returns", isinstance(chosen.get("component_returns", {}), dict)))
        if not ok]
    if wrong:
        raise CorruptRunFile(run.summary_json(i), f"has a {chosen['id']} entry whose "
                                                  f"{', '.join(wrong)} is not what rewardsmith "
                                                  f"writes")
    try:
        scored = ScoredCandidate(**{**chosen, "id": chosen_id, "video": None})
    except TypeError as exc:  # a key ScoredCandidate has not, or one it needs is missing
        raise CorruptRunFile(run.summary_json(i), f"has a candidate entry rewardsmith did not "
                                                  f"write ({exc})") from None
    prompt = text_feedback(scored, sentence).text
    write_json(pending, {"sentence": sentence, "candidate_id": scored.id, "prompt": prompt,
                         "previous": [{**chosen, "id": scored.id, "video": None}]})
    say(f"refining {scored.id} with: {sentence!r} (iteration {nxt})")
    return resume(run.root, on_event=on_event, say=say)
