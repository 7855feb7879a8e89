"""The reward contract (DESIGN.md): loading trusted reward programs and checking their output.

A reward program is a module defining ``compute_reward(state, action, next_state)`` that returns
``(total (B,), {name: (B,)})``. Here we load *trusted* files (the reference rewards, a user's own
file). LLM-written candidates never go through this path in the main process: they run inside
the sandbox worker (see ``rewardsmith.sandbox.runner``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rewardsmith.errors import RewardContractError, RewardLoadError


class RewardFn(Protocol):
    """Compute rewards for a batch of transitions.

    Args:
        state: named state before the action, every field with a leading batch axis ``B``.
        action: actions, shape ``(B, act_dim)``.
        next_state: named state after the action.

    Returns:
        The total reward, shape ``(B,)``, and the named components, each ``(B,)``.
    """

    def __call__(self, state: Any, action: np.ndarray, next_state: Any
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]: ...


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
        from rewardsmith.rl.transitions import record_transitions

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


def validate_reward_output(output: Any, batch_size: int
                           ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Check a reward program's return value against the contract and normalise it.

    Args:
        output: what ``compute_reward`` returned.
        batch_size: ``B``, the number of transitions it was called on.

    Returns:
        ``(total, components)`` as float64 arrays of shape ``(B,)``.

    Raises:
        RewardContractError: naming the component and what is wrong (shape, dtype, NaN/inf).
    """
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RewardContractError(
            "compute_reward must return a tuple (total_reward, components_dict); "
            f"got {type(output).__name__}"
        )
    total, components = output
    if not isinstance(components, Mapping):
        raise RewardContractError(
            f"the second value returned by compute_reward must be a dict of named components; "
            f"got {type(components).__name__}"
        )
    checked = {str(name): _check_array(f"component {name!r}", value, batch_size)
               for name, value in components.items()}
    return _check_array("the total reward", total, batch_size), checked


def _check_array(what: str, value: Any, batch_size: int) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise RewardContractError(
            f"{what} is not numeric ({type(value).__name__}): {e}") from e
    if array.shape != (batch_size,):
        hint = " (did you forget to reduce over an axis, e.g. np.sum(x, axis=1)?)" \
            if array.ndim > 1 else ""
        if array.ndim == 0:
            hint = " (a scalar: compute one value per environment in the batch)"
        raise RewardContractError(
            f"{what} has shape {array.shape}; expected ({batch_size},), one value per "
            f"environment in the batch{hint}"
        )
    if not np.all(np.isfinite(array)):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise RewardContractError(
            f"{what} has {bad} non-finite value(s) (NaN or inf) out of {batch_size}; guard "
            f"divisions and logs (e.g. divide by (x + 1e-6), clip before exp)"
        )
    return array
