"""The offline designer's reflection reads the component returns: a silent task bump is widened,
and a target speed is uphill from rest so that it is never silent by shape."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from rewardsmith.designers.offline import CandidateOutcome, OfflineDesigner, read_header
from rewardsmith.designers.offline.terms import TERMS

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


def test_a_target_speed_is_uphill_from_rest():
    # The held-out run "cheetah at 3 m/s" composed a Gaussian bump (0.75 m/s wide): it paid about
    # 1e-3 per episode and no policy left rest. The 'approach' shape pays the share of the
    # target reached below it, and the bump's fall past it.
    expr = TERMS["target_speed"].render({"speed": 3.0, "width": 0.75}, {"axis": "x", "sign": 1})
    speeds = np.array([-1.5, 0.0, 1.5, 3.0, 3.75])
    state = SimpleNamespace(torso_velocity=np.stack([speeds, 0 * speeds, 0 * speeds], axis=1))
    paid = eval(expr, {"np": np, "next_state": state})  # our own rendered term, not LLM code
    np.testing.assert_allclose(paid, [-0.5, 0.0, 0.5, 1.0, np.exp(-1.0)])


def test_a_silent_target_speed_keeps_its_shape():
    # What the held-out run returned with the bump: the speed term paid nothing, upright 300.
    # Uphill from rest there is nothing to widen: the next candidates keep the tolerance.
    first, proposals = _next({"forward": 0.00055, "upright": 299.6, "action_cost": -0.41})
    assert _widths(first[0].source)["forward"] == 0.75
    assert not any("widened" in p.rationale for p in proposals)
    assert {t.params["speed"] for p in proposals for t in read_header(p.source)[1]
            if t.term == "target_speed"} == {3.0}


def test_a_height_bump_that_paid_nothing_gets_a_wider_tolerance():
    designer = OfflineDesigner(seed=0)
    first = designer.propose("make the walker kneel", "Walker2d-v5", 4)
    returns = {"height": 0.0002, "knees": 0.0, "upright": 300.0, "action_cost": -0.4}
    history = [CandidateOutcome(p.source, 0.0, False, returns if i == 0 else {})
               for i, p in enumerate(first)]
    centre = designer.propose("make the walker kneel", "Walker2d-v5", 4, history)[0]
    height = {t.name: t.params for t in read_header(centre.source)[1]}["height"]
    assert height["width"] == 0.4 and height["target"] == 0.8  # doubled, the target unchanged
    assert "height paid 0.0% of the best candidate's reward: its tolerance widened 0.2 -> 0.4" \
        in centre.rationale


def test_a_task_bump_that_paid_keeps_its_tolerance():
    first, proposals = _next({"forward": 850.0, "upright": 299.6, "action_cost": -40.0})
    assert not any("widened" in p.rationale for p in proposals)
    # samples jitter the tolerance around the same centre, nowhere near double
    assert all(_widths(p.source)["forward"] < 1.1 for p in proposals)
