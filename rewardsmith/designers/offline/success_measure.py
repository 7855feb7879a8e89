"""The offline designer's success measure: a ``fitness.py`` composed from the parsed request.

Written before any reward and apart from the reward's terms (:mod:`.composer`): it reads only the
request (:func:`rewardsmith.envs.intent.parse_task`) and the environment description
(:func:`rewardsmith.envs.intent.env_facts`: the standing height, the speeds the notes call good),
never a built-in task. Every constant below is physical reasoning about the body, written down
next to it. Each measure is a product of factors in [0, 1], so the per-step score is in [0, 1] and
every condition must hold at once; the threshold asks for the behaviour over most of an episode.

What it cannot measure (a one-arm raise: the description has no hand positions; a flip or a
jump: the episode fitness of a momentary act needs a different rule) it says, and the user
passes ``--fitness FILE`` or ranks videos (``--feedback preference``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import TaskIntent, env_facts, parse_task
from rewardsmith.errors import RewardsmithError

# A request held for this share of the episode succeeds: the rest is time to get there (a pose
# from a standing start takes a second or two of a 15-50 s episode) and imperfection.
POSE_THRESHOLD = 0.6
# Speeds fluctuate within a stride, so a looser band and threshold than for poses.
MOVE_THRESHOLD = 0.5
# Taller than this standing, a body's torso up axis is its spine (humanoid, walker, hopper):
# lying down turns it horizontal. Shorter bodies (ant, cheetah) stand with the torso flat.
TALL_BODY_M = 1.0


class MeasureNotExpressible(RewardsmithError):
    """The offline designer cannot write a faithful success measure for this request."""


@dataclass(frozen=True)
class WrittenMeasure:
    """A composed ``fitness.py`` and what it says in words."""

    source: str
    threshold: float
    summary: str


def _good_speed(description: EnvDescription) -> float:
    """The lower end of the speed the description's notes call good ("1-3 m/s"), else 1 m/s."""
    text = " ".join(description.notes).lower()
    found = re.search(r"good \w+ (?:reaches|moves at|runs at|walks at) (\d+(?:\.\d+)?)", text)
    return float(found.group(1)) if found else 1.0


def compose_success_measure(text: str, description: EnvDescription) -> WrittenMeasure:
    """A success measure for ``text`` on ``description``'s env.

    Raises:
        MeasureNotExpressible: the request needs something this composer cannot measure.
    """
    intent = parse_task(text, description)
    facts = env_facts(description)
    lines: list[str] = []  # statements computing factors
    factors: list[str] = []  # names multiplied into the score
    said: list[str] = []  # the summary, in words
    behaviours = set(intent.behaviours)
    height = facts.height
    upright = "torso_up" in facts.fields

    def need_height() -> float:
        if height is None:
            raise MeasureNotExpressible(
                f"the description of {description.env_id} gives no standing height, which a "
                f"pose measure needs; pass --fitness FILE")
        return height

    if {"flip", "jump", "raise_arms", "balance"} & behaviours:
        what = sorted({"flip", "jump", "raise_arms", "balance"} & behaviours)[0]
        raise MeasureNotExpressible(
            f"the offline designer has no success measure for {what!r} requests that are not a "
            f"built-in task; pass --fitness FILE (see `rewardsmith check`) or --feedback "
            f"preference")
    if ("move" in behaviours and not intent.still) or "spin" in behaviours:
        if "move" in behaviours and not intent.still:
            _move(intent, description, lines, factors, said)
        else:
            _spin(intent, lines, factors, said)
        if upright and "lie" not in behaviours:
            lines.append("# Upright within about 45 degrees: moving on its back is not what was "
                         "asked.")
            lines.append("upright = np.clip(next_state.torso_up / 0.7, 0.0, 1.0)")
            factors.append("upright")
            said.append("torso upright")
        if intent.limb == "leg" and intent.limb_count == 1:
            _one_foot(description, lines, factors, said, moving=True)
        threshold = MOVE_THRESHOLD
    elif behaviours & {"sit", "lie", "crouch", "kneel"}:
        _low_pose(intent, need_height(), description, lines, factors, said)
        threshold = POSE_THRESHOLD
    elif "stand" in behaviours or intent.still:
        h = need_height()
        lines.append(f"# Standing: the torso within 15% of its standing height ({h:.2f} m, from "
                     f"the description).")
        lines.append(f"tall = np.clip(1.0 - np.abs(next_state.torso_height - {h:.3f}) / "
                     f"{0.15 * h:.3f}, 0.0, 1.0)")
        factors.append("tall")
        said.append(f"torso near its standing height {h:.2f} m")
        if upright:
            lines.append("upright = np.clip((next_state.torso_up - 0.5) / 0.4, 0.0, 1.0)")
            factors.append("upright")
            said.append("upright")
        if intent.limb == "leg" and intent.limb_count == 1:
            _one_foot(description, lines, factors, said)
        threshold = POSE_THRESHOLD
    else:
        raise MeasureNotExpressible(
            f"the offline designer found no behaviour it can measure in {text!r}; it "
            f"understands moving (direction, target speed, slowly), turning, standing (still, "
            f"on one leg), sitting, kneeling, crouching and lying down. Pass --fitness FILE or "
            f"--feedback preference")
    if intent.joints and intent.joint_goal is not None:
        _joint_goal(intent, lines, factors, said)
    if intent.still or intent.in_place:
        lines.append("# Still / in place: horizontal torso speed under about 0.2 m/s (a body "
                     "balancing sways a little).")
        lines.append("drift = np.linalg.norm(next_state.torso_velocity[:, :2], axis=1)")
        lines.append("still = np.clip(1.0 - drift / 0.2, 0.0, 1.0)")
        factors.append("still")
        said.append("staying in place")
    summary = f"Per-step score in [0, 1]: {', '.join(said)}."
    body = "\n".join(f"    {line}" for line in lines)
    source = (f'"""{summary} Written by the offline designer for: {text.strip()[:200]!r}."""\n'
              f"import numpy as np\n\nSUCCESS_THRESHOLD = {threshold}\n\n\n"
              f"def compute_fitness(state, action, next_state):\n{body}\n"
              f"    return {' * '.join(factors)}\n")
    return WrittenMeasure(source, threshold, summary)


def _move(intent: TaskIntent, description: EnvDescription, lines: list[str],
          factors: list[str], said: list[str]) -> None:
    axis = 1 if intent.axis == "y" else 0
    sign = -1.0 if intent.direction < 0 else 1.0
    way = {(0, 1.0): "forward (+x)", (0, -1.0): "backward (-x)", (1, 1.0): "left (+y)",
           (1, -1.0): "right (-y)"}[(axis, sign)]
    lines.append(f"speed = {sign} * next_state.torso_velocity[:, {axis}]  # {way}")
    if intent.speed == "target" and intent.target_speed is not None:
        target = float(intent.target_speed)
        tol = max(0.25, 0.25 * target)
        lines.append(f"# At {target:g} m/s: full score within the band, none {tol:g} m/s "
                     f"beyond it (a quarter of the asked speed, at least 0.25 m/s).")
        lines.append(f"pace = np.clip(1.0 - np.abs(speed - {target}) / {tol}, 0.0, 1.0)")
        said.append(f"{way} speed near {target:g} m/s")
    elif intent.speed == "slow":
        good = _good_speed(description)
        low, top = 0.25 * good, 0.5 * good
        lines.append(f"# Slowly: clearly moving, but at a quarter to a half of the speed the "
                     f"description calls good ({good:g} m/s): {low:g}-{top:g} m/s; 0 below half "
                     f"of that band's floor (drifting) and at twice its ceiling.")
        lines.append(f"pace = np.clip((speed - {low / 2:g}) / {low / 2:g}, 0.0, 1.0) * "
                     f"np.clip(2.0 - speed / {top:g}, 0.0, 1.0)")
        said.append(f"moving {way} slowly ({low:g}-{top:g} m/s)")
    else:
        good = _good_speed(description)
        lines.append(f"# Full score at {good:g} m/s, the lower end of what the description "
                     f"calls good.")
        lines.append(f"pace = np.clip(speed / {good}, 0.0, 1.0)")
        said.append(f"{way} speed, full at {good:g} m/s")
    factors.append("pace")


def _spin(intent: TaskIntent, lines: list[str], factors: list[str], said: list[str]) -> None:
    sign = -1.0 if intent.rotation < 0 else 1.0
    way = "clockwise seen from above" if sign < 0 else "counter-clockwise (left) seen from above"
    lines.append(f"# Turning {way}: yaw rate, full score at 1 rad/s (a turn in about 6 s).")
    lines.append(f"turn = np.clip({sign} * next_state.torso_angular_velocity[:, 2] / 1.0, "
                 f"0.0, 1.0)")
    factors.append("turn")
    said.append(f"turning {way}")


def _low_pose(intent: TaskIntent, h: float, description: EnvDescription, lines: list[str],
              factors: list[str], said: list[str]) -> None:
    behaviours = set(intent.behaviours)
    contacts = set(getattr(description, "contact_names", ()) or ())
    if "lie" in behaviours and h < TALL_BODY_M:
        # A body about as wide as it is tall stands with its torso flat: on its back is upside
        # down, and "lying" is the torso down on the floor.
        lines.append(f"# Lying: the torso's centre down near the floor (under {0.5 * h:.2f} m, "
                     f"half its standing height).")
        lines.append(f"low = np.clip(({0.6 * h:.3f} - next_state.torso_height) / "
                     f"{0.1 * h:.3f}, 0.0, 1.0)")
        factors.append("low")
        said.append("torso down near the floor")
        if intent.lie_on in ("back", "front"):
            sign = -1.0 if intent.lie_on == "back" else 1.0
            lines.append(f"# On its {intent.lie_on}: the torso's up axis points "
                         f"{'down (upside down)' if sign < 0 else 'up'}.")
            lines.append(f"side = np.clip({sign} * next_state.torso_up / 0.7, 0.0, 1.0)")
            factors.append("side")
            said.append(f"on its {intent.lie_on}")
        return
    if "lie" in behaviours:
        lines.append(f"# Lying: the torso's centre within a torso's thickness of the floor "
                     f"(under {0.25 * h:.2f} m, a quarter of the standing height) and the "
                     f"torso horizontal.")
        lines.append(f"low = np.clip(({0.35 * h:.3f} - next_state.torso_height) / "
                     f"{0.1 * h:.3f}, 0.0, 1.0)")
        lines.append("flat = np.clip(1.0 - np.abs(next_state.torso_up) / 0.5, 0.0, 1.0)")
        factors += ["low", "flat"]
        said.append("torso low and horizontal")
        if intent.lie_on in ("back", "front") and "torso_orientation" in description.field_names:
            up = 1.0 if intent.lie_on == "back" else -1.0
            lines.append(f"# On its {intent.lie_on}: the chest's forward axis points "
                         f"{'up' if up > 0 else 'down'} (world z of the torso's local x axis).")
            lines.append("w, x, y, z = (next_state.torso_orientation[:, i] for i in range(4))")
            lines.append("facing_up = 2.0 * (x * z - w * y)")
            lines.append(f"side = np.clip({up} * facing_up / 0.7, 0.0, 1.0)")
            factors.append("side")
            said.append(f"on its {intent.lie_on}")
        return
    if "sit" in behaviours:
        lo, hi = 0.3 * h, 0.6 * h
        lines.append(f"# Sitting on the floor: the hips at floor level put the torso's centre at "
                     f"about half the standing height ({lo:.2f}-{hi:.2f} m), upright.")
    elif "kneel" in behaviours:
        lo, hi = 0.55 * h, 0.85 * h
        lines.append(f"# Kneeling: the thighs stay upright on the knees, so the torso is lower "
                     f"than standing by about a shin's length ({lo:.2f}-{hi:.2f} m), upright.")
    else:  # crouch
        lo, hi = 0.4 * h, 0.75 * h
        lines.append(f"# Crouching on the feet: knees and hips bent bring the torso to "
                     f"{lo:.2f}-{hi:.2f} m, upright.")
    lines.append("z = next_state.torso_height")
    lines.append(f"band = np.clip(1.0 - np.maximum({lo:.3f} - z, z - {hi:.3f}) / {0.1 * h:.3f}, "
                 f"0.0, 1.0)")
    lines.append("upright = np.clip((next_state.torso_up - 0.5) / 0.3, 0.0, 1.0)")
    factors += ["band", "upright"]
    said.append(f"torso {lo:.2f}-{hi:.2f} m high, upright")
    shins = [c for c in sorted(contacts) if c.endswith("shin")]
    if "crouch" in behaviours and "kneel" not in behaviours and len(shins) == 2:
        a, b = (f"next_state.contacts[{s!r}].astype(float)" for s in shins)
        lines.append("# On the feet: a crouch with a knee on the floor is a kneel.")
        lines.append(f"on_feet = 1.0 - np.maximum({a}, {b})")
        factors.append("on_feet")
        said.append("no knee on the floor")
    if "kneel" in behaviours:
        if len(shins) != 2:
            raise MeasureNotExpressible(f"{description.env_id} reports no contact for two "
                                        f"shins, which a kneeling measure needs")
        a, b = (f"next_state.contacts[{s!r}].astype(float)" for s in shins)
        if intent.limb_count == 1:
            lines.append("# One knee down: exactly one shin touches the floor.")
            lines.append(f"knees = np.abs({a} - {b})")
            said.append("exactly one knee on the floor")
        else:
            lines.append("# Both knees down: both shins touch the floor.")
            lines.append(f"knees = {a} * {b}")
            said.append("both knees on the floor")
        factors.append("knees")


def _joint_goal(intent: TaskIntent, lines: list[str], factors: list[str],
                said: list[str]) -> None:
    names = ", ".join(repr(j) for j in intent.joints)
    lines.append(f"angles = np.abs(np.stack([next_state.joint_angles[j] for j in ({names},)], "
                 f"axis=1))")
    if intent.joint_goal == "straight":
        lines.append("# Straight: each named joint within about 6 degrees of its rest angle, "
                     "none beyond 30.")
        lines.append("joints = np.clip(1.0 - (angles.max(axis=1) - 0.1) / 0.4, 0.0, 1.0)")
    else:
        lines.append("# Bent: each named joint at least about 30 degrees from its rest angle.")
        lines.append("joints = np.clip(angles.min(axis=1) / 0.5, 0.0, 1.0)")
    factors.append("joints")
    said.append(f"{', '.join(intent.joints)} {intent.joint_goal}")


def _one_foot(description: EnvDescription, lines: list[str], factors: list[str],
              said: list[str], moving: bool = False) -> None:
    contacts = set(getattr(description, "contact_names", ()) or ())
    feet = [c for c in sorted(contacts) if "foot" in c]
    if len(feet) != 2:
        raise MeasureNotExpressible(f"{description.env_id} does not report two feet's contacts, "
                                    f"which 'on one leg' needs")
    a, b = (f"next_state.contacts[{f!r}].astype(float)" for f in feet)
    if moving:  # a hop leaves the floor: only both feet down at once breaks "one leg"
        lines.append("# On one leg while moving: never both feet on the floor at once.")
        lines.append(f"one_foot = 1.0 - {a} * {b}")
        said.append("never both feet on the floor")
    else:
        lines.append("# On one leg: exactly one foot touches the floor.")
        lines.append(f"one_foot = np.abs({a} - {b})")
        said.append("exactly one foot on the floor")
    factors.append("one_foot")
