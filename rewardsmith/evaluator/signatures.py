"""Simple failure signatures of a trained candidate, for the analyzer and the designer.

Auto MC-Reward style failure summaries start from a few named patterns that can be read off the
evaluation records without watching a video. Each is a rule over the numbers ``train`` already
writes to ``metrics.json`` (and the per-episode traces of the re-evaluation); the thresholds are
deliberately coarse, so a signature is a hint for the designer, not a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

EARLY = 0.5  # an episode shorter than this fraction of the horizon ended early
NEAR_ZERO = 0.05  # |fitness| below this fraction of the success threshold is "no progress"
RISE = 0.2  # the candidate's own return rose by this fraction of its scale


@dataclass(frozen=True)
class Signature:
    """One detected failure pattern.

    Attributes:
        name: ``falls_early``, ``stuck``, ``wrong_direction`` or ``reward_hacking``.
        detail: the numbers behind it, in words the designer can act on.
    """

    name: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return asdict(self)


def detect_signatures(evals: Sequence[dict[str, Any]], horizon: int | None,
                      success_threshold: float | None) -> list[Signature]:
    """Find the failure signatures in a candidate's evaluation records.

    Args:
        evals: the evaluation records of every rung, in training order (``metrics["evals"]``:
            ``steps``, ``fitness_mean``, ``episode_length``, ``reward_return``, ``ended_by``).
        horizon: the env's episode length limit (``None`` when unknown: no ``falls_early``).
        success_threshold: the task's success threshold (``None``: no task fitness).

    Returns:
        The signatures found, in a fixed order; empty for a healthy candidate.
    """
    if not evals:
        return []
    last, first = evals[-1], evals[0]
    found = []
    length = _num(last.get("episode_length"))
    ended = last.get("ended_by") or {}
    n_episodes = sum(v for v in ended.values() if isinstance(v, int))
    fell = ended.get("terminated", 0) if isinstance(ended.get("terminated"), int) else 0
    if horizon and length is not None and fell and length < EARLY * horizon:
        found.append(Signature("falls_early", (
            f"{fell} of {n_episodes} evaluation episodes ended early (the robot fell or left "
            f"the valid region) after {length:.0f} of {horizon} steps on average")))
    fitness = _num(last.get("fitness_mean"))
    scale = abs(success_threshold) if success_threshold else 1.0
    if fitness is not None and success_threshold is not None:
        survives = n_episodes and fell == 0
        if survives and abs(fitness) < NEAR_ZERO * scale:
            found.append(Signature("stuck", (
                f"episodes last until the time limit but the task fitness stays near zero "
                f"({fitness:.3g}; success is {success_threshold:g}): the policy is not moving "
                f"towards the goal")))
        if fitness < -NEAR_ZERO * scale:
            found.append(Signature("wrong_direction", (
                f"the task fitness is negative ({fitness:.3g}; success is {success_threshold:g}):"
                f" the policy moves the wrong way")))
    hacking = _reward_hacking(first, last, scale, success_threshold)
    if hacking:
        found.append(hacking)
    return found


def _reward_hacking(first: dict, last: dict, scale: float,
                    success_threshold: float | None) -> Signature | None:
    """The candidate's own return rises over training while the task fitness does not."""
    if first is last or success_threshold is None:
        return None
    r0, r1 = _num(first.get("reward_return")), _num(last.get("reward_return"))
    f0, f1 = _num(first.get("fitness_mean")), _num(last.get("fitness_mean"))
    if None in (r0, r1, f0, f1) or f1 >= success_threshold:
        return None
    rose = r1 - r0 > RISE * max(abs(r0), abs(r1), 1e-6)
    flat = f1 - f0 < NEAR_ZERO * scale
    if not (rose and flat):
        return None
    return Signature("reward_hacking", (
        f"the candidate's own return rose from {r0:.4g} to {r1:.4g} during training while the "
        f"task fitness went from {f0:.3g} to {f1:.3g} (success is {success_threshold:g}): the "
        f"reward pays for something other than the task"))


def _num(value: Any) -> float | None:
    """A finite float, or None (the records come from the sandbox: never trust their types)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
