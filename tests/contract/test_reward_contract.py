"""load_reward and the contract checks: clear errors that name the component; a program is
compiled from memory (never from a shared path), keeps readable tracebacks and pickles."""

from __future__ import annotations

import copy
import hashlib
import pickle
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.errors import RewardContractError, RewardLoadError
from rewardsmith.rl.reward_program import load_reward
from rewardsmith.rl.transitions import record_transitions

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


def test_a_planted_file_at_the_old_shared_path_is_never_run(tmp_path):
    # load_reward used to import /tmp/rewardsmith_rewards/reward_<hash>.py when it existed, so
    # anyone who could write to /tmp chose the code that ran. Plant one there now.
    digest = hashlib.sha256(GOOD.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "rewardsmith_rewards"
    folder.mkdir(exist_ok=True)
    planted, marker = folder / f"reward_{digest}.py", tmp_path / "planted_code_ran"
    planted.write_text(f"open({str(marker)!r}, 'w').close()\n"
                       "def compute_reward(state, action, next_state):\n"
                       "    return action[:, 0] * 0 + 1e9, {}\n")
    try:
        program = load_reward(GOOD)
        state, action, next_state = record_transitions("HalfCheetah-v5", 4, seed=0).as_batch()
        total, components = program(state, action, next_state)
    finally:
        planted.unlink()
    assert not marker.exists(), "the planted file was imported"
    expected = next_state.torso_velocity[:, 0] - 0.1 * np.sum(action ** 2, axis=1)
    assert np.allclose(total, expected) and set(components) == {"speed", "cost"}
    assert not any(digest in p.name for p in folder.iterdir()), "load_reward wrote into /tmp"


def test_tracebacks_show_the_reward_programs_own_lines(tmp_path):
    source = GOOD.replace("    speed = ", "    raise RuntimeError('line five')\n    speed = ")
    path = tmp_path / "broken_reward.py"
    path.write_text(source)
    state, action, next_state = record_transitions("HalfCheetah-v5", 2, seed=0).as_batch()
    for program, filename in ((load_reward(source), "<reward "), (load_reward(path), str(path))):
        with pytest.raises(RuntimeError) as info:
            program(state, action, next_state)
        text = "".join(traceback.format_exception(info.value))
        assert filename in text and "raise RuntimeError('line five')" in text, text
        assert "line 5" in text
    path.write_text("# the file changed after it was loaded\n" * 10)
    assert "line five" in "".join(traceback.format_exception(info.value))


def test_a_reward_program_pickles_by_source_into_a_fresh_process():
    program = load_reward(GOOD)
    state, action, next_state = record_transitions("HalfCheetah-v5", 4, seed=0).as_batch()
    here = program(state, action, next_state)[0]
    script = ("import pickle, sys\n"
              "from rewardsmith.rl.transitions import record_transitions\n"
              "program = pickle.loads(sys.stdin.buffer.read())\n"
              "batch = record_transitions('HalfCheetah-v5', 4, seed=0).as_batch()\n"
              "print(repr(program), list(program(*batch)[0]))\n")
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(program),
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert f"RewardProgram(origin='<source>') {list(here)}" in done.stdout.decode()
    again = pickle.loads(pickle.dumps(program))
    assert again.source == GOOD and again.origin == program.origin
    assert copy.deepcopy(program) is program  # gymnasium deep-copies wrapper arguments
