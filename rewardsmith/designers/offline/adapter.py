"""The offline designer behind the designer protocol of :mod:`rewardsmith.designers.base`."""

from __future__ import annotations

from rewardsmith.designers.base import DesignRequest, Draft, FitnessRequest, dedupe
from rewardsmith.designers.offline.designer import CandidateOutcome, OfflineDesigner
from rewardsmith.designers.offline.success_measure import compose_success_measure


class OfflineDesignerAdapter:
    """The offline designer behind the :class:`Designer` protocol. It never uses an LLM."""

    uses_llm = False

    def __init__(self, seed: int = 0, accept_approximation: bool = False):
        self._designer = OfflineDesigner(seed=seed, accept_approximation=accept_approximation)
        self.label = self._designer.describe()

    def propose(self, request: DesignRequest) -> list[Draft]:
        history = [CandidateOutcome(source=o.source, score=score, failed=o.failed,
                                    component_returns=o.component_returns)
                   for o, score in zip(request.ranked, _scores(request.ranked), strict=True)]
        proposals = self._designer.propose(request.task_text, request.description, request.k,
                                           history=history or None,
                                           feedback_text=request.user_text or None)
        return dedupe([Draft(p.source, reply=p.rationale) for p in proposals])

    def repair(self, draft: Draft, error: str, request: DesignRequest, attempt: int,
               key: str) -> Draft | None:
        return None

    def write_fitness(self, request: FitnessRequest) -> Draft:
        """A success measure composed from the parsed request (raises when it has none)."""
        measure = compose_success_measure(request.task_text, request.description)
        return Draft(measure.source, reply=measure.summary)

    def repair_fitness(self, draft: Draft, error: str, request: FitnessRequest,
                       attempt: int) -> Draft | None:
        return None  # composed deterministically: a second try would be the same program


def _scores(ranked: list) -> list[float | None]:
    """Each outcome's score; with preferences, one derived from the order alone.

    Preference feedback hides every fitness (``score`` is None throughout) and sends the
    outcomes best first. Without a score the offline designer would find nothing to learn from
    and start over each iteration, re-proposing iteration 0's rewards (seen in #15's preference
    runs: iteration 2 re-trained three of iteration 0's four rewards). The rank says only the
    order, which is all the cross-entropy step uses.
    """
    if any(o.score is not None for o in ranked):
        return [o.score for o in ranked]
    live = [o for o in ranked if not o.failed]
    return [None if o.failed else float(len(live) - live.index(o)) for o in ranked]
