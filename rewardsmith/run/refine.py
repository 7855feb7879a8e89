"""``rewardsmith refine RUN --feedback "..."``: one more iteration from a plain sentence
(Text2Reward). The sentence and the chosen candidate go into ``iter_<i>/refine.json``; the loop
then runs that iteration like any other, so an interrupted refinement resumes too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.errors import RewardsmithError
from rewardsmith.feedback.sources import ScoredCandidate, text_feedback
from rewardsmith.run.api import resume
from rewardsmith.run_dir import RunDir, candidate_id, iteration_name, read_json, write_json


def _chosen(run: RunDir, candidate: str | None) -> tuple[int, dict[str, Any]]:
    """The candidate the sentence is about: ``"I/J"`` or the best so far."""
    if candidate is None:
        best = (read_json(run.state_json) or {}).get("best")
        if best is None:
            raise RewardsmithError(f"{run.root} has no trained candidate yet; finish or resume "
                                   f"the run first, or name one with --candidate I/J")
        i, cid = best["iteration"], best["candidate"]
    else:
        try:
            i_text, j_text = candidate.split("/")
            i, cid = int(i_text), candidate_id(int(j_text))
        except ValueError:
            raise RewardsmithError(f"--candidate takes ITERATION/CANDIDATE, e.g. 0/2; got "
                                   f"{candidate!r}") from None
    summary = read_json(run.summary_json(i))
    if summary is None:
        raise RewardsmithError(f"iteration {i} of {run.root} is not finished")
    for c in summary["candidates"]:
        if c["id"] == cid:
            if c["failed"]:
                raise RewardsmithError(f"{i}/{cid} failed ({c.get('error')}); choose a "
                                       f"candidate that trained")
            return i, c
    raise RewardsmithError(f"iteration {i} has no candidate {cid}")


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
    scored = ScoredCandidate(**{**chosen, "id": chosen_id, "video": None})
    prompt = text_feedback(scored, sentence).text
    write_json(pending, {"sentence": sentence, "candidate_id": scored.id, "prompt": prompt,
                         "previous": [{**chosen, "id": scored.id, "video": None}]})
    say(f"refining {scored.id} with: {sentence!r} (iteration {nxt})")
    return resume(run.root, on_event=on_event, say=say)
