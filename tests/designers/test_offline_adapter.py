"""The offline designer behind the designer protocol: what it learns from preference feedback."""

from __future__ import annotations

from rewardsmith.designers.base import DesignRequest, Outcome
from rewardsmith.designers.offline.adapter import OfflineDesignerAdapter
from rewardsmith.envs.registry import get_description

TEXT = "make the half cheetah run backwards"


def _first_iteration() -> tuple[OfflineDesignerAdapter, list]:
    adapter = OfflineDesignerAdapter(seed=0)
    request = DesignRequest(TEXT, get_description("HalfCheetah-v5"), 4, 0)
    return adapter, adapter.propose(request)


def test_a_preference_order_alone_moves_the_centre():
    # Preference feedback: no fitness anywhere, the outcomes best first.
    adapter, drafts = _first_iteration()
    ranked = [Outcome(f"cand_{i}", d.source, None, False) for i, d in enumerate(drafts)]
    later = adapter.propose(DesignRequest(TEXT, get_description("HalfCheetah-v5"), 4, 1,
                                          ranked=ranked))
    why = " ".join(d.reply for d in later)
    assert "starting over" not in why and "rank-weighted mean" in why
    assert not {d.source for d in later} & {d.source for d in drafts}  # nothing re-proposed


def test_the_order_decides_not_the_list_position_of_a_failure():
    adapter, drafts = _first_iteration()
    ranked = [Outcome("a", drafts[2].source, None, False),
              Outcome("b", drafts[0].source, None, False),
              Outcome("c", drafts[1].source, None, True)]  # failed: never scored
    from rewardsmith.designers.offline.adapter import _scores

    assert _scores(ranked) == [2.0, 1.0, None]
    # with fitness the scores pass through as they are
    scored = [Outcome("a", drafts[0].source, 0.5, False), Outcome("b", "", None, True)]
    assert _scores(scored) == [0.5, None]
