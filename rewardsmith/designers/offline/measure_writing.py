"""What every part of the offline success measure writes with: the measure, its refusal, helpers.

The measure is split by kind of request (:mod:`.pose_measures`, :mod:`.motion_measures`,
:mod:`.act_measures`, put together by :mod:`.success_measure`), and each part adds factors to
one :class:`Measure`. What they share lives here, once: the measure being written, the refusal
that tells the user what the offline measure understands (:data:`MEASURABLE`) and how to go on
without it, the thresholds of a held pose or pace, and the small expressions built from floor
contacts, the standing height and staying in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rewardsmith.envs.intent import EnvFacts, TaskIntent
from rewardsmith.errors import RewardsmithError

# A request held for this share of the episode succeeds: the rest is time to get there (a pose
# from a standing start takes a second or two of a 15-50 s episode) and imperfection.
POSE_THRESHOLD = 0.6
# Speeds fluctuate within a stride, so a looser band and threshold than for poses.
MOVE_THRESHOLD = 0.5
# What the offline measure understands, said when it refuses, so the user can rephrase.
MEASURABLE = (
    "moving (direction, target speed, slowly; on one leg or a named leg), turning (3-D "
    "bodies), jumping ('jump 0.3 m high', hopping in place), front flips and backflips (planar "
    "bodies), standing (still, on one leg or a named leg), sitting, kneeling (both knees or "
    "one), crouching, lying down, raising both arms or a named one while standing (where the "
    "description gives hand positions: the humanoid), keeping named joints straight or bent, "
    "and balancing the pole")


class MeasureNotExpressible(RewardsmithError):
    """The offline designer cannot write a faithful success measure for this request."""


@dataclass
class Measure:
    """The measure being written: statements, the factors multiplied, the summary's parts."""

    lines: list[str] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)

    def factor(self, name: str, said: str | None, *lines: str) -> None:
        """Add the statements that compute factor ``name``, and what it checks in words."""
        self.lines.extend(lines)
        self.factors.append(name)
        if said:
            self.said.append(said)


def refuse(what: str, why: str) -> MeasureNotExpressible:
    """The refusal for ``what``: why, what the measure understands, and what to do instead."""
    return MeasureNotExpressible(
        f"the offline designer cannot write a success measure for {what}: {why}. It measures "
        f"{MEASURABLE}. Pass --fitness FILE (try it with `rewardsmith check FILE --env ENV`) "
        f"or use --feedback preference")


def contact_flags(names: list[str]) -> list[str]:
    """One ``(B,)`` float expression per named floor contact: 1.0 where it touches."""
    return [f"next_state.contacts[{n!r}].astype(float)" for n in names]


def any_down(names: list[str]) -> str:
    """1.0 where any of the named contacts touches the floor (one ``(B,)`` expression)."""
    flags = contact_flags(names)
    if len(flags) <= 2:
        return flags[0] if len(flags) == 1 else f"np.maximum({flags[0]}, {flags[1]})"
    return f"np.max(np.stack([{', '.join(flags)}]), axis=0)"


def mean_down(names: list[str]) -> str:
    """The share of the named contacts touching the floor (one ``(B,)`` expression)."""
    flags = contact_flags(names)
    return flags[0] if len(flags) == 1 else f"np.mean(np.stack([{', '.join(flags)}]), axis=0)"


def standing_height(facts: EnvFacts, env: str) -> float:
    """The torso's standing height the description gives, or a refusal naming the env."""
    if facts.height is None:
        raise MeasureNotExpressible(
            f"the description of {env} gives no standing height, which this measure needs; "
            f"pass --fitness FILE")
    return facts.height


def stay_in_place(intent: TaskIntent, m: Measure, band: float) -> None:
    """Still / in place: horizontal torso speed under ``band`` m/s."""
    if intent.still or intent.in_place:
        m.factor("still", "staying in place",
                 f"# Still / in place: horizontal torso speed under about {band:g} m/s (a body "
                 f"balancing sways a little).",
                 "drift = np.linalg.norm(next_state.torso_velocity[:, :2], axis=1)",
                 f"still = np.clip(1.0 - drift / {band:g}, 0.0, 1.0)")
