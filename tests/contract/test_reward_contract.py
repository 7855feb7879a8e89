"""load_reward and the contract checks: clear errors that name the component."""

from __future__ import annotations

import numpy as np
import pytest

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.errors import RewardContractError, RewardLoadError
from rewardsmith.rl.reward_program import load_reward

GOOD = """
import numpy as np

def compute_reward(state, action, next_state):
    speed = next_state.torso_velocity[:, 0]
    cost = -0.1 * np.sum(action ** 2, axis=1)
    return speed + cost, {"speed": speed, "cost": cost}
"""


def test_load_from_source_and_path(tmp_path):
    program = load_reward(GOOD, env="HalfCheetah-v5")
    path = tmp_path / "r.py"
    path.write_text(GOOD)
    from_file = load_reward(path, env="HalfCheetah-v5")
    assert from_file.origin == str(path)
    assert program.source == GOOD


def test_missing_file_and_function(tmp_path):
    with pytest.raises(RewardLoadError, match="does not exist"):
        load_reward(tmp_path / "nope.py")
    with pytest.raises(RewardLoadError, match="no function compute_reward"):
        load_reward("import numpy as np\nx = 1\n")
    with pytest.raises(RewardLoadError, match="syntax error on line 2"):
        load_reward("def compute_reward(state, action, next_state):\n    return (\n")


def test_wrong_field_fails_at_load_with_env():
    bad = GOOD.replace("torso_velocity", "forward_speed")
    with pytest.raises(AttributeError, match="forward_speed"):
        load_reward(bad, env="HalfCheetah-v5")


@pytest.mark.parametrize("output, message", [
    ((np.zeros(4), {"a": np.zeros((4, 2))}), r"component 'a' has shape \(4, 2\).*np.sum"),
    ((np.zeros(4), {"a": np.array([0, np.nan, 0, 0])}), r"component 'a' has 1 non-finite"),
    ((np.full(4, np.inf), {}), r"total reward has 4 non-finite"),
    ((1.0, {}), r"total reward has shape \(\).*scalar"),
    (np.zeros(4), r"must return a tuple"),
    ((np.zeros(4), [1, 2]), r"dict of named components"),
    ((np.zeros(4), {"a": ["x"] * 4}), r"component 'a' is not numeric"),
])
def test_contract_errors_name_the_problem(output, message):
    with pytest.raises(RewardContractError, match=message):
        validate_reward_output(output, 4)


def test_valid_output_is_normalised_to_float64():
    total, comps = validate_reward_output((np.ones(3, dtype=np.float32), {"x": [1, 2, 3]}), 3)
    assert total.dtype == np.float64 and comps["x"].dtype == np.float64
