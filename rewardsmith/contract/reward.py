"""The reward contract (DESIGN.md): what a reward program is, and the check of its output.

A reward program is a module defining ``compute_reward(state, action, next_state)`` that returns
``(total (B,), {name: (B,)})``. Both sides of the sandbox import this module: the worker checks a
candidate's output with it, and the wrappers check a trusted reward's. Loading a trusted program
into the calling process is :mod:`rewardsmith.rl.reward_program`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from rewardsmith.errors import RewardContractError


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
