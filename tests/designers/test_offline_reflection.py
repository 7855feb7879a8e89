"""The offline designer's reflection reads the component returns: a silent task term is widened."""

from __future__ import annotations

from rewardsmith.designers.offline import CandidateOutcome, OfflineDesigner, read_header

TEXT, ENV = "make the half cheetah run forward at 3 m/s", "HalfCheetah-v5"


def _widths(source: str) -> dict[str, float]:
    return {t.name: t.params["width"] for t in read_header(source)[1]
            if t.term == "target_speed"}


def _next(returns: dict[str, float]):
    designer = OfflineDesigner(seed=0)
    first = designer.propose(TEXT, ENV, 4)
    # every candidate scored 0 (ties), as in the held-out run; the best one's returns as given
    history = [CandidateOutcome(p.source, 0.0, False, returns if i == 0 else {})
               for i, p in enumerate(first)]
    return first, designer.propose(TEXT, ENV, 4, history)


def test_a_task_bump_that_paid_nothing_gets_a_wider_tolerance():
    # What the held-out run "cheetah at 3 m/s" returned: the 3 m/s bump (0.75 m/s wide) paid
    # about 1e-3 per episode while the upright term paid 300: training never found the bump.
    first, proposals = _next({"forward": 0.00055, "upright": 299.6, "action_cost": -0.41})
    assert _widths(first[0].source)["forward"] == 0.75
    centre = proposals[0]
    # at least the distance from rest to the target: the bump pays exp(-1) standing still
    assert _widths(centre.source)["forward"] == 3.0
    assert "forward paid 0.0% of the best candidate's reward: its tolerance widened 0.75 -> 3" \
        in centre.rationale
    # the asked speed stays put: only the tolerance changes
    assert {t.params["speed"] for p in proposals for t in read_header(p.source)[1]
            if t.term == "target_speed"} == {3.0}


def test_a_task_bump_that_paid_keeps_its_tolerance():
    first, proposals = _next({"forward": 850.0, "upright": 299.6, "action_cost": -40.0})
    assert not any("widened" in p.rationale for p in proposals)
    # samples jitter the tolerance around the same centre, nowhere near double
    assert all(_widths(p.source)["forward"] < 1.1 for p in proposals)
