"""check_score_not_forged: the forge programs of the corpus report the score the cheetah earned,
and a program that really forges its score is caught (so the check is not vacuous).

Every case trains in the real sandbox (tiny budget) and replays the saved policy with a trusted
reward in a second job, so each takes two or three sandbox starts with torch: slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.sandbox.isolation import detect_isolation_layers
from rewardsmith.testing.honest_score import check_score_not_forged

HOSTILE = Path(__file__).resolve().parents[1] / "sandbox" / "hostile"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not detect_isolation_layers().network_isolated,
                       reason="no network isolation here"),
]
# Takes over its worker process (the static check would refuse `sys`): it rewrites the episode
# fitness the wrapper reports. sandbox/README.md says a job's own results are not protected
# against that; the trusted replay is what shows it.
PROCESS_FORGER = '''import sys

import numpy as np

wrappers = sys.modules["rewardsmith.rl.wrappers"]
honest_step_wait = wrappers.VecRewardWrapper.step_wait


def forged_step_wait(self):
    obs, rewards, dones, infos = honest_step_wait(self)
    for info in infos:
        if "episode_fitness" in info:
            info["episode_fitness"] = 25.0
    return obs, rewards, dones, infos


wrappers.VecRewardWrapper.step_wait = forged_step_wait


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    return forward, {"forward": forward}
'''


# Every forge_* program of the corpus goes through check_score_not_forged in
# tests/sandbox/test_sandbox_corpus.py; here one whose writes land (numpy lets np.add.at
# through a read-only array) also checks the candidate's own re-evaluation job.
def test_a_forge_whose_writes_land_still_reports_the_honest_score(tmp_path):
    source = (HOSTILE / "forge_ufunc_at.py").read_text()
    check = check_score_not_forged(source, tmp_path, reevaluate=True)
    assert check.train.ok, f"{check.train.error_kind}: {check.train.error}"
    assert check.reported is not None and check.honest is not None, check.describe()
    assert not check.forged, check.describe()
    assert check.reported == check.honest  # the same episodes, replayed to the last bit
    if check.reevaluate is not None:
        assert check.reevaluated == check.honest, check.describe()


def test_a_process_level_forgery_is_caught_by_the_trusted_replay(tmp_path):
    check = check_score_not_forged(PROCESS_FORGER, tmp_path, skip_static_check=True,
                                   reevaluate=True)
    assert check.reported == [25.0, 25.0] and check.reevaluated == [25.0, 25.0]
    assert check.honest is not None and all(abs(h) < 1.0 for h in check.honest)
    assert check.forged, check.describe()
