"""Load a reward program written for the contract of :mod:`rewardsmith.contract.reward`.

This runs the program's code in the calling process: it is for rewards you chose to trust (the
winner of a design run, one you wrote). Candidates of a design run never come through here; they
run only in the sandbox worker.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.contract.reward import RewardFn, validate_reward_output
from rewardsmith.errors import RewardLoadError
from rewardsmith.rl.transitions import record_transitions


class RewardProgram:
    """A loaded reward program: callable like :class:`RewardFn`, with its source kept."""

    def __init__(self, fn: RewardFn, source: str, origin: str):
        self.fn = fn
        self.source = source
        self.origin = origin

    def __call__(self, state: Any, action: np.ndarray, next_state: Any
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return self.fn(state, action, next_state)

    def __repr__(self) -> str:
        return f"RewardProgram(origin={self.origin!r})"


def load_reward(path_or_source: str | Path, env: str | None = None) -> RewardProgram:
    """Load a trusted reward program from a file path or from source text.

    Args:
        path_or_source: a ``.py`` file, or the source of one (anything containing a newline).
        env: optional env id: the program is then called once on a recorded transition of that
            env, so a wrong field name fails here and not deep inside training.

    Returns:
        A callable :class:`RewardProgram`.

    Raises:
        RewardLoadError: missing file, syntax error, or no ``compute_reward``.
        RewardContractError: the test call on ``env`` broke the contract.
    """
    text = str(path_or_source)
    if "\n" in text or "def compute_reward" in text:
        source, origin = text, "<source>"
    else:
        path = Path(text)
        if not path.is_file():
            raise RewardLoadError(f"reward file {path} does not exist")
        source, origin = path.read_text(), str(path)
    program = RewardProgram(_import_source(source, origin), source, origin)
    if env is not None:
        state, action, next_state = record_transitions(env, n_steps=4, seed=0).as_batch()
        validate_reward_output(program(state, action, next_state), state.batch_size)
    return program


def _import_source(source: str, origin: str) -> RewardFn:
    """Import trusted source as a real module (so tracebacks show its lines)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "rewardsmith_rewards"
    folder.mkdir(exist_ok=True)
    path = folder / f"reward_{digest}.py"
    if not path.exists():
        path.write_text(source)
    name = f"rewardsmith_reward_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        raise RewardLoadError(f"{origin}: syntax error on line {e.lineno}: {e.msg}") from e
    sys.modules[name] = module  # pickling (SubprocVecEnv) can find it again
    fn = getattr(module, "compute_reward", None)
    if not callable(fn):
        raise RewardLoadError(
            f"{origin} defines no function compute_reward(state, action, next_state)"
        )
    return fn
