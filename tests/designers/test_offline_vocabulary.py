"""The offline designer's vocabulary: each request is composed faithfully or refused out loud.

Table-driven over requests on all six envs. A composed request must carry terms for what it asks
(read from the ``# rewardsmith-offline:`` JSON header); a refused one must name what it cannot
express and list the vocabulary; with ``accept_approximation`` it composes the nearest reward and
its rationale names what was dropped. Every composed reward also runs on recorded MuJoCo
transitions and honours the reward contract.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from rewardsmith.designers.offline import OfflineDesigner, OfflineDesignError
from rewardsmith.designers.offline.composer import VOCABULARY
from rewardsmith.rl.reward_program import load_reward
from rewardsmith.rl.transitions import record_transitions

# (text, env, {component name: {"term": ..., option: value, ...}}): composed faithfully.
COMPOSED = [
    ("make the walker hop on one leg", "Walker2d-v5",
     {"forward": {"term": "velocity"},
      "one_leg": {"term": "contact", "mode": "not_all", "bodies": ["foot", "foot_left"]}}),
    ("make the walker hop forward on its left leg", "Walker2d-v5",
     {"forward": {"term": "velocity"},
      "other_foot_up": {"term": "contact", "mode": "penalty", "bodies": ["foot"]}}),
    ("make the humanoid do a cartwheel", "Humanoid-v5",
     {"cartwheel": {"term": "rotation", "axis": "x", "sign": -1},
      "sideways": {"term": "velocity", "axis": "y", "sign": 1}}),
    ("make the humanoid lie down on its back", "Humanoid-v5",
     {"low": {"term": "height"}, "flat": {"term": "flat"},
      "on_back": {"term": "torso_axis", "axis": "x", "sign": 1}}),
    ("make the humanoid lie on its front", "Humanoid-v5",
     {"on_front": {"term": "torso_axis", "axis": "x", "sign": -1}}),
    ("make the half cheetah stand on its front legs", "HalfCheetah-v5",
     {"on_front_legs": {"term": "contact", "mode": "reward", "bodies": ["ffoot"]},
      "rest_up": {"term": "contact", "mode": "penalty",
                  "bodies": ["torso", "bthigh", "bshin", "bfoot"]}}),
    ("make the ant stand on its back legs", "Ant-v5",
     {"on_back_legs": {"term": "contact", "bodies": ["back_left_foot", "back_right_foot"]}}),
    ("make the humanoid raise its left arm", "Humanoid-v5",
     {"left_arm_up": {"term": "point_above", "points": ["left_hand"], "over": ["head"]},
      "right_arm_down": {"term": "point_above", "points": ["right_hand"], "sign": -1}}),
    ("make the humanoid kneel on one knee", "Humanoid-v5",
     {"knees": {"term": "contact", "mode": "one", "bodies": ["right_shin", "left_shin"]},
      "height": {"term": "height", "shape": "gaussian"}}),
    ("make the humanoid sit down", "Humanoid-v5",
     {"seated": {"term": "contact", "bodies": ["pelvis"]}, "height": {"term": "height"}}),
    ("make the humanoid crouch", "Humanoid-v5",
     {"feet_down": {"term": "contact", "bodies": ["right_foot", "left_foot"]},
      "height": {"term": "height", "shape": "below"}}),
    ("make the walker stand on its right leg", "Walker2d-v5",
     {"right_foot_down": {"term": "contact", "bodies": ["foot"]},
      "other_foot_up": {"term": "contact", "mode": "penalty", "bodies": ["foot_left"]}}),
    ("make the humanoid stand on one leg", "Humanoid-v5",
     {"one_foot": {"term": "contact", "mode": "one"}}),
    ("make the ant walk to the right at 1 m/s", "Ant-v5",
     {"right": {"term": "target_speed", "axis": "y", "sign": -1}}),
    ("make the ant turn clockwise", "Ant-v5",
     {"spin": {"term": "rotation", "axis": "z", "sign": -1}}),
    ("make the ant jump 30 cm high", "Ant-v5",
     {"jump": {"term": "velocity", "axis": "z"}, "jump_height": {"term": "height",
                                                                  "shape": "above"}}),
    ("make the hopper hop in place", "Hopper-v5",
     {"jump": {"term": "velocity", "axis": "z"}, "still": {"term": "still"}}),
    ("make the hopper do a front flip", "Hopper-v5",
     {"flip": {"term": "rotation", "axis": "y", "sign": 1}}),
    ("make the ant lie on its back", "Ant-v5",
     {"torso_down": {"term": "contact", "bodies": ["torso"]},
      "on_back": {"term": "upright", "sign": -1}}),
    ("make the humanoid stand still", "Humanoid-v5", {"still": {"term": "still"}}),
    ("make the walker walk backwards slowly", "Walker2d-v5",
     {"backward": {"term": "target_speed", "sign": -1}}),
    ("keep the pole balanced", "InvertedPendulum-v5", {"upright": {"term": "pole_upright"}}),
]

# (text, env, what the refusal must name): not expressible, so it stops.
REFUSED = [
    ("make the humanoid wave the right hand", "Humanoid-v5", "'wave'"),
    ("make the walker do the splits", "Walker2d-v5", "'splits'"),
    ("make the half cheetah move sideways", "HalfCheetah-v5", "sideways"),
    ("make the half cheetah spin", "HalfCheetah-v5", "turning"),
    ("make the ant sit", "Ant-v5", "sit"),
    ("make the hopper dance", "Hopper-v5", "'dance'"),
    ("make the pole do a handstand", "InvertedPendulum-v5", "handstand"),
    ("make the humanoid do something nice", "Humanoid-v5", "no behaviour"),
    ("make the walker lie on its side", "Walker2d-v5", "on its side"),
    ("make the walker cartwheel", "Walker2d-v5", "cartwheel"),
]


def _header(source: str) -> dict:
    first = source.splitlines()[0]
    assert first.startswith("# rewardsmith-offline: ")
    return json.loads(first.split(": ", 1)[1])


@pytest.fixture(scope="module")
def batches():
    cache = {}

    def get(env_id: str):
        if env_id not in cache:
            cache[env_id] = record_transitions(env_id, n_steps=32, seed=2).as_batch()
        return cache[env_id]

    return get


@pytest.mark.parametrize(("text", "env_id", "expected"), COMPOSED)
def test_request_is_composed_with_what_it_asks(text, env_id, expected, tmp_path, batches):
    proposal = OfflineDesigner(seed=0).propose(text, env_id, 1)[0]
    terms = {t["name"]: t for t in _header(proposal.source)["terms"]}
    for name, want in expected.items():
        assert name in terms, (text, sorted(terms))
        got = terms[name]
        assert got["term"] == want["term"], (name, got)
        assert got["role"] == "task" or name in ("flat", "height"), (name, got)
        for key, value in want.items():
            if key == "term":
                continue
            actual = got["options"].get(key)
            assert (sorted(actual) if isinstance(value, list) else actual) == \
                (sorted(value) if isinstance(value, list) else value), (name, key, got)
    assert "APPROXIMATION" not in proposal.rationale
    path = tmp_path / "reward.py"
    path.write_text(proposal.source)
    state, action, next_state = batches(env_id)
    total, components = load_reward(path, env=env_id)(state, action, next_state)
    assert set(components) == set(terms)
    np.testing.assert_allclose(total, sum(components.values()), rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(total))


@pytest.mark.parametrize(("text", "env_id", "named"), REFUSED)
def test_inexpressible_request_stops_and_lists_the_vocabulary(text, env_id, named):
    with pytest.raises(OfflineDesignError) as caught:
        OfflineDesigner().propose(text, env_id, 2)
    message = str(caught.value)
    assert named in message and VOCABULARY in message
    assert "--accept-approximation" in message and "--model" in message


@pytest.mark.parametrize(("text", "env_id", "named"), REFUSED)
def test_approximation_composes_and_says_what_it_dropped(text, env_id, named, tmp_path,
                                                         batches):
    proposals = OfflineDesigner(accept_approximation=True).propose(text, env_id, 2)
    assert all("APPROXIMATION: dropped" in p.rationale and named in p.rationale
               for p in proposals)
    path = tmp_path / "reward.py"
    path.write_text(proposals[0].source)
    state, action, next_state = batches(env_id)
    total, _ = load_reward(path, env=env_id)(state, action, next_state)
    assert np.all(np.isfinite(total))


def test_waving_approximates_by_raising_that_arm():
    proposal = OfflineDesigner(accept_approximation=True).propose(
        "make the humanoid wave the right hand", "Humanoid-v5", 1)[0]
    terms = {t["name"]: t for t in _header(proposal.source)["terms"]}
    assert terms["right_arm_up"]["options"]["points"] == ["right_hand"]
    assert "'wave'" in proposal.rationale


def test_no_request_silently_becomes_moving_forward():
    for text, env_id, _ in REFUSED:
        try:
            proposal = OfflineDesigner().propose(text, env_id, 1)[0]
        except OfflineDesignError:
            continue
        raise AssertionError(f"{text!r} composed {proposal.rationale}")
    approx = OfflineDesigner(accept_approximation=True)
    for text, env_id in [("make the humanoid do a little dance", "Humanoid-v5"),
                         ("make the walker do the splits", "Walker2d-v5")]:
        terms = {t["name"] for t in _header(approx.propose(text, env_id, 1)[0].source)["terms"]}
        assert "forward" not in terms, (text, terms)


def test_pose_constants_follow_the_described_standing_height():
    """Kneeling and sitting targets scale with the standing height the description gives."""
    designer = OfflineDesigner()

    def height(text: str, env_id: str) -> dict:
        terms = _header(designer.propose(text, env_id, 1)[0].source)["terms"]
        return next(t["params"] for t in terms if t["name"] == "height")

    human, walker = height("make the humanoid kneel", "Humanoid-v5"), \
        height("make the walker kneel", "Walker2d-v5")
    # 1.35 m (humanoid) and 1.25 m (walker) standing: the same fraction of each.
    assert human["target"] / 1.35 == pytest.approx(walker["target"] / 1.25, rel=0.02)
    assert height("make the humanoid sit", "Humanoid-v5")["target"] < human["target"]


def test_a_crouch_pays_every_step_down_from_standing():
    """The body starts standing: the crouch's height term must grow from there to the crouch
    (a bump around the crouch paid ~0 at standing height and the walker learned to stand)."""
    from types import SimpleNamespace

    from rewardsmith.designers.offline.terms import get_term

    terms = _header(OfflineDesigner().propose("make the walker crouch", "Walker2d-v5", 1)[0]
                    .source)["terms"]
    height = next(t for t in terms if t["name"] == "height")
    expr = get_term("height").render(height["params"], height["options"])
    standing, crouched = 1.25, height["params"]["target"]  # the walker's described height
    z = np.linspace(standing, crouched - 0.1, 8)
    paid = eval(expr, {"np": np}, {"next_state": SimpleNamespace(torso_height=z)})  # noqa: S307
    assert paid[0] == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(paid) >= 0) and np.all(np.diff(paid[z > crouched]) > 0)
    assert paid[-1] == pytest.approx(1.0)
