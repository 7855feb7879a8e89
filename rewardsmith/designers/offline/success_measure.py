"""The offline designer's success measure: a ``fitness.py`` composed from the parsed request.

Written before any reward and apart from the reward's terms (:mod:`.composer`): it reads only
the request (:func:`rewardsmith.envs.intent.parse_task`) and the environment description
(:func:`rewardsmith.envs.intent.env_facts`: the standing height, the speeds the notes call good;
its field, body and contact names and docs), never a built-in task. Every constant below is
physical reasoning about the body, written down next to it. It reads the body the way the reward
composer does (:mod:`.body_parts`: Walker2d's shins are ``leg`` and ``leg_left``, found by
their docs; "hop in place" is a jump; the rise a jump asks for), so the measure checks what the
reward asked for. A knee on the floor is its shin's or its thigh's contact: both end at the
knee, and the thicker one is what the simulator reports (on Walker2d, the thigh). A crouch is
on the feet with no knee down, so it is told apart from a kneel wherever contacts are reported.

A pose or a pace is held: its measure is a product of factors in [0, 1], every condition must
hold at once, and the threshold asks for it over most of the episode. A jump or a flip is a
momentary act, so its per-step score counts the part of a jump cycle (flight, then a stance as
long) that shows the act, and its threshold asks for such cycles over most of the episode: one
jump or one flip does not pass. A flip's score is signed (turning the other way counts against
it), so rocking back and forth nets nothing. A one-legged body (Hopper) standing "on one leg"
is simply standing: that is its only way to stand.

What it cannot measure it says, and the user passes ``--fitness FILE`` or ranks videos
(``--feedback preference``): raising arms (the description has no hand positions), a flip of a
3-D body (its pitch axis turns with its heading), turning or sideways motion of a planar body,
stepping "in place", and anything on a body whose state has no torso (InvertedPendulum: there
it measures balancing the pole). A measure never reads a field the description does not list.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field

from rewardsmith.designers.offline.body_parts import (
    DEFAULT_RISE,
    asked_rise,
    knee_contacts,
    named_parts,
    reads_as_jump,
    side_of,
)
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent, env_facts, parse_task
from rewardsmith.errors import RewardsmithError

# A request held for this share of the episode succeeds: the rest is time to get there (a pose
# from a standing start takes a second or two of a 15-50 s episode) and imperfection.
POSE_THRESHOLD = 0.6
# Speeds fluctuate within a stride, so a looser band and threshold than for poses.
MOVE_THRESHOLD = 0.5
# Taller than this standing, a body's torso up axis is its spine (humanoid, walker, hopper):
# lying down turns it horizontal. Shorter bodies (ant, cheetah) stand with the torso flat.
TALL_BODY_M = 1.0
G = 9.81  # m/s^2
# A jump cycle: a ballistic flight of rise R lasts T = 2 sqrt(2R/g); the stance between flights
# stops the fall and relaunches it. Stopping a landing speed v = sqrt(2gR) over a crouch as
# deep as the rise takes 2R/v, and pushing back up as long again: 4R/v = T. So a body that
# keeps jumping is in the air half the time.
FLIGHT_SHARE = 0.5
# Over a flight to exactly the asked rise, the torso's rise as a fraction of it averages 2/3
# (the mean of a parabola over its base): a jump cycle scores 2/3 * 1/2 = 1/3 per step on
# average, and the threshold asks for such cycles over POSE_THRESHOLD of the episode (0.2).
# One jump of a 0.45 s flight in an 8 s episode scores about 0.04: it does not pass.
JUMP_THRESHOLD = round(POSE_THRESHOLD * FLIGHT_SHARE * 2.0 / 3.0, 3)
# A flip's score is 1 at one rotation per flight of a default jump (the fastest turning it
# credits); one rotation per jump cycle (flight plus stance), however it is spread over the
# cycle, averages FLIP_CYCLE_MEAN, and the threshold asks for that over POSE_THRESHOLD of the
# episode: it keeps flipping.
FLIP_CYCLE_MEAN = 0.5
FLIP_THRESHOLD = round(POSE_THRESHOLD * FLIP_CYCLE_MEAN, 3)
# What the offline measure understands, said when it refuses, so the user can rephrase.
MEASURABLE = (
    "moving (direction, target speed, slowly; on one leg or a named leg), turning (3-D "
    "bodies), jumping ('jump 0.3 m high', hopping in place), front flips and backflips (planar "
    "bodies), standing (still, on one leg or a named leg), sitting, kneeling (both knees or "
    "one), crouching, lying down, keeping named joints straight or bent, and balancing the "
    "pole")


class MeasureNotExpressible(RewardsmithError):
    """The offline designer cannot write a faithful success measure for this request."""


@dataclass(frozen=True)
class WrittenMeasure:
    """A composed ``fitness.py`` and what it says in words."""

    source: str
    threshold: float
    summary: str


@dataclass
class _Measure:
    """The measure being written: statements, the factors multiplied, the summary's parts."""

    lines: list[str] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)

    def factor(self, name: str, said: str | None, *lines: str) -> None:
        self.lines.extend(lines)
        self.factors.append(name)
        if said:
            self.said.append(said)


def _refuse(what: str, why: str) -> MeasureNotExpressible:
    return MeasureNotExpressible(
        f"the offline designer cannot write a success measure for {what}: {why}. It measures "
        f"{MEASURABLE}. Pass --fitness FILE (try it with `rewardsmith check FILE --env ENV`) "
        f"or use --feedback preference")


def _good_speed(description: EnvDescription) -> float:
    """The lower end of the speed the description's notes call good ("1-3 m/s"), else 1 m/s."""
    text = " ".join(description.notes).lower()
    found = re.search(r"good \w+ (?:reaches|moves at|runs at|walks at) (\d+(?:\.\d+)?)", text)
    return float(found.group(1)) if found else 1.0


def _flags(names: list[str]) -> list[str]:
    return [f"next_state.contacts[{n!r}].astype(float)" for n in names]


def _any(names: list[str]) -> str:
    """1.0 where any of the named contacts touches the floor (one ``(B,)`` expression)."""
    flags = _flags(names)
    if len(flags) <= 2:
        return flags[0] if len(flags) == 1 else f"np.maximum({flags[0]}, {flags[1]})"
    return f"np.max(np.stack([{', '.join(flags)}]), axis=0)"


def _mean(names: list[str]) -> str:
    flags = _flags(names)
    return flags[0] if len(flags) == 1 else f"np.mean(np.stack([{', '.join(flags)}]), axis=0)"


def compose_success_measure(text: str, description: EnvDescription) -> WrittenMeasure:
    """A success measure for ``text`` on ``description``'s env.

    Raises:
        MeasureNotExpressible: the request needs something this composer cannot measure.
    """
    intent = parse_task(text, description)
    facts = env_facts(description)
    behaviours = set(intent.behaviours)
    if reads_as_jump(intent, text):  # "hop in place": up and down, as the reward reads it
        behaviours = (behaviours - {"move"}) | {"jump"}
    m = _Measure()
    threshold = _compose(text, intent, behaviours, description, facts, m)
    if intent.joints and intent.joint_goal is not None:
        _joint_goal(intent, m)
    _check_fields(m, description)
    summary = f"Per-step score in {'[-1, 1]' if 'flip' in behaviours else '[0, 1]'}: " \
              f"{', '.join(m.said)}."
    body = "\n".join(f"    {line}" for line in _wrapped(m.lines))
    source = (f'"""{summary} Written by the offline designer for: {text.strip()[:200]!r}."""\n'
              f"import numpy as np\n\nSUCCESS_THRESHOLD = {threshold}\n\n\n"
              f"def compute_fitness(state, action, next_state):\n{body}\n"
              f"    return {' * '.join(m.factors)}\n")
    return WrittenMeasure(source, threshold, summary)


def _wrapped(lines: list[str]) -> list[str]:
    """Comments wrapped to the page, so the written ``fitness.py`` reads like the others."""
    out = []
    for line in lines:
        if line.startswith("# "):
            out += textwrap.wrap(line, 94, initial_indent="", subsequent_indent="# ")
        else:
            out.append(line)
    return out


def _compose(text: str, intent: TaskIntent, behaviours: set[str], description: EnvDescription,
             facts: EnvFacts, m: _Measure) -> float:
    """Write the behaviour's factors into ``m`` and return the success threshold."""
    env = description.env_id
    if "raise_arms" in behaviours:
        raise _refuse("raising arms", f"{env}'s description gives no hand positions (at most "
                                      f"the elbow frames), so it cannot tell a hand above the "
                                      f"head")
    if "balance" in behaviours and "pole_angle" in facts.fields:
        return _balance(intent, m, facts)
    if not {"torso_height", "torso_velocity"} <= facts.fields:
        raise _refuse(repr(text.strip()), f"{env}'s state has no torso (its fields: "
                                          f"{', '.join(description.field_names)}), and every "
                                          f"measure but balancing a pole reads the torso")
    if "flip" in behaviours:
        return _flip(intent, description, facts, m)
    if "jump" in behaviours:
        return _jump(text, intent, behaviours, description, facts, m)
    if "move" in behaviours and intent.in_place and not intent.still:
        raise _refuse(repr(text.strip()), "moving 'in place' asks for stepping without "
                                          "travelling, which a measure of the torso cannot "
                                          "tell apart from standing")
    if ("move" in behaviours and not intent.still) or "spin" in behaviours:
        if "move" in behaviours and not intent.still:
            _move(intent, description, facts, m)
        else:
            _spin(intent, description, facts, m)
        if "torso_up" in facts.fields and "lie" not in behaviours:
            m.factor("upright", "torso upright",
                     "# Upright within about 45 degrees: moving on its back is not what was "
                     "asked.", "upright = np.clip(next_state.torso_up / 0.7, 0.0, 1.0)")
        if intent.limb in ("leg", "foot") and intent.limb_count == 1:
            _one_foot(intent, description, m, moving=True)
        _stay(intent, m, 0.2)
        return MOVE_THRESHOLD
    if behaviours & {"sit", "lie", "crouch", "kneel"}:
        _low_pose(intent, behaviours, _height(facts, env), description, m)
        _stay(intent, m, 0.2)
        return POSE_THRESHOLD
    if "stand" in behaviours or intent.still:
        h = _height(facts, env)
        m.factor("tall", f"torso near its standing height {h:.2f} m",
                 f"# Standing: the torso within 15% of its standing height ({h:.2f} m, from "
                 f"the description).",
                 f"tall = np.clip(1.0 - np.abs(next_state.torso_height - {h:.3f}) / "
                 f"{0.15 * h:.3f}, 0.0, 1.0)")
        if "torso_up" in facts.fields:
            m.factor("upright", "upright",
                     "upright = np.clip((next_state.torso_up - 0.5) / 0.4, 0.0, 1.0)")
        if intent.limb in ("leg", "foot") and intent.limb_count == 1:
            _one_foot(intent, description, m)
        _stay(intent, m, 0.2)
        return POSE_THRESHOLD
    raise MeasureNotExpressible(
        f"the offline designer found no behaviour it can measure in {text!r}; it understands "
        f"{MEASURABLE}. Pass --fitness FILE or --feedback preference")


def _height(facts: EnvFacts, env: str) -> float:
    if facts.height is None:
        raise MeasureNotExpressible(
            f"the description of {env} gives no standing height, which this measure needs; "
            f"pass --fitness FILE")
    return facts.height


def _stay(intent: TaskIntent, m: _Measure, band: float) -> None:
    """Still / in place: horizontal torso speed under ``band`` m/s."""
    if intent.still or intent.in_place:
        m.factor("still", "staying in place",
                 f"# Still / in place: horizontal torso speed under about {band:g} m/s (a body "
                 f"balancing sways a little).",
                 "drift = np.linalg.norm(next_state.torso_velocity[:, :2], axis=1)",
                 f"still = np.clip(1.0 - drift / {band:g}, 0.0, 1.0)")


def _balance(intent: TaskIntent, m: _Measure, facts: EnvFacts) -> float:
    m.factor("pole", "pole near upright",
             "# Balanced: the pole within about 0.2 rad (11 degrees) of upright, full score only "
             "when it is straight up.",
             "pole = np.clip(1.0 - np.abs(next_state.pole_angle) / 0.2, 0.0, 1.0)")
    if (intent.still or intent.in_place) and "cart_velocity" in facts.fields:
        m.factor("still", "cart staying in place",
                 "# Still: the cart slower than about 0.2 m/s (balancing nudges it a little).",
                 "still = np.clip(1.0 - np.abs(next_state.cart_velocity) / 0.2, 0.0, 1.0)")
    return POSE_THRESHOLD


def _flight_time(rise: float) -> float:
    """Seconds a ballistic flight that rises ``rise`` metres lasts: 2 sqrt(2 rise / g)."""
    return 2.0 * math.sqrt(2.0 * rise / G)


def _flip(intent: TaskIntent, description: EnvDescription, facts: EnvFacts,
          m: _Measure) -> float:
    env = description.env_id
    if not facts.planar or "torso_angular_velocity" not in facts.fields:
        raise _refuse("a flip", f"{env} is not a planar body, so its pitch axis turns with its "
                                f"heading and the world's y axis is not the axis it flips about")
    h = _height(facts, env)
    sign = 1.0 if intent.rotation > 0 else -1.0  # a front flip turns the torso's front down: +y
    way = "front flip (forward, +y)" if sign > 0 else "backflip (backward, -y)"
    rise = DEFAULT_RISE * h
    flight = _flight_time(rise)
    top = 2.0 * math.pi / flight
    m.factor("flip", f"{way} turning rate, full at one rotation per {flight:.2f} s, signed",
             f"# {way[0].upper() + way[1:]}: a flipping body turns in the air. A jump of a fifth "
             f"of its standing height ({h:.2f} m) flies {flight:.2f} s = 2 sqrt(2 * {rise:.2f} "
             f"/ g); one rotation in that flight is {top:.1f} rad/s, the fastest turning "
             f"credited. One rotation per jump cycle (that flight and a stance as long) "
             f"averages {FLIP_CYCLE_MEAN}, however it is spread over the cycle. Signed: turning "
             f"the other way counts against it, so rocking back and forth nets nothing.",
             f"flip = np.clip({sign} * next_state.torso_angular_velocity[:, 1] / {top:.3f}, "
             f"-1.0, 1.0)")
    if intent.in_place:
        _jump_in_place(m, flight)
    return FLIP_THRESHOLD


def _jump(text: str, intent: TaskIntent, behaviours: set[str], description: EnvDescription,
          facts: EnvFacts, m: _Measure) -> float:
    env = description.env_id
    h = _height(facts, env)
    contacts = list(description.contact_names)
    if "contacts" not in facts.fields or not contacts:
        raise _refuse("a jump", f"{env} reports no floor contacts, so a measure cannot tell a "
                                f"jump from standing on tiptoe")
    rise, asked = asked_rise(text, h)
    why = (f"the asked {rise:g} m" if asked else
           f"a fifth of its standing height ({rise:.2f} m), which lifts the feet clear of the "
           f"floor by about a foot's length")
    flight = _flight_time(rise)
    m.factor("airborne", "in the air",
             "# Airborne: no body part on the floor (standing on tiptoe is not a jump).",
             f"airborne = 1.0 - {_any(contacts)}")
    m.factor("rise", f"torso up to {rise:.2f} m above its standing height {h:.2f} m",
             f"# Rise: the torso above its standing height ({h:.2f} m), full at {why}. A jump "
             f"that high flies {flight:.2f} s = 2 sqrt(2R/g) and scores 2/3 on average over it; "
             f"a stance as long between flights makes a jump cycle average 1/3.",
             f"rise = np.clip((next_state.torso_height - {h:.3f}) / {rise:.3f}, 0.0, 1.0)")
    if "torso_up" in facts.fields:
        m.factor("upright", "upright",
                 "upright = np.clip((next_state.torso_up - 0.5) / 0.3, 0.0, 1.0)")
    if ("move" in behaviours or intent.direction) and not intent.in_place:  # "jump forward"
        _move(intent, description, facts, m)
        # Jumping along: the pace factor is full at a good speed, looser like any pace.
        return round(JUMP_THRESHOLD * MOVE_THRESHOLD / POSE_THRESHOLD, 3)
    if intent.in_place:
        _jump_in_place(m, flight)
    return JUMP_THRESHOLD


def _jump_in_place(m: _Measure, flight: float) -> None:
    m.factor("in_place", "landing where it took off",
             f"# In place: under 0.25 m/s across the floor (a {flight:.2f} s flight then drifts "
             f"under {25 * flight:.0f} cm, less than a foot's length), none from 0.5 m/s "
             f"(travelling).",
             "drift = np.linalg.norm(next_state.torso_velocity[:, :2], axis=1)",
             "in_place = np.clip((0.5 - drift) / 0.25, 0.0, 1.0)")


def _move(intent: TaskIntent, description: EnvDescription, facts: EnvFacts,
          m: _Measure) -> None:
    axis = 1 if intent.axis == "y" else 0
    if axis == 1 and facts.planar:
        raise _refuse("sideways motion", f"{description.env_id} is planar: it moves only along "
                                         f"x")
    sign = -1.0 if intent.direction < 0 else 1.0
    way = {(0, 1.0): "forward (+x)", (0, -1.0): "backward (-x)", (1, 1.0): "left (+y)",
           (1, -1.0): "right (-y)"}[(axis, sign)]
    m.lines.append(f"speed = {sign} * next_state.torso_velocity[:, {axis}]  # {way}")
    if intent.speed == "target" and intent.target_speed is not None:
        target = float(intent.target_speed)
        tol = max(0.25, 0.25 * target)
        m.factor("pace", f"{way} speed near {target:g} m/s",
                 f"# At {target:g} m/s: full score within the band, none {tol:g} m/s beyond it "
                 f"(a quarter of the asked speed, at least 0.25 m/s).",
                 f"pace = np.clip(1.0 - np.abs(speed - {target}) / {tol}, 0.0, 1.0)")
    elif intent.speed == "slow":
        good = _good_speed(description)
        low, top = 0.25 * good, 0.5 * good
        m.factor("pace", f"moving {way} slowly ({low:g}-{top:g} m/s)",
                 f"# Slowly: clearly moving, but at a quarter to a half of the speed the "
                 f"description calls good ({good:g} m/s): {low:g}-{top:g} m/s; 0 below half of "
                 f"that band's floor (drifting) and at twice its ceiling.",
                 f"pace = np.clip((speed - {low / 2:g}) / {low / 2:g}, 0.0, 1.0) * "
                 f"np.clip(2.0 - speed / {top:g}, 0.0, 1.0)")
    else:
        good = _good_speed(description)
        m.factor("pace", f"{way} speed, full at {good:g} m/s",
                 f"# Full score at {good:g} m/s, the lower end of what the description calls "
                 f"good.", f"pace = np.clip(speed / {good}, 0.0, 1.0)")


def _spin(intent: TaskIntent, description: EnvDescription, facts: EnvFacts,
          m: _Measure) -> None:
    if facts.planar:
        raise _refuse("turning", f"{description.env_id} is planar: it cannot turn about the "
                                 f"vertical")
    sign = -1.0 if intent.rotation < 0 else 1.0
    way = "clockwise seen from above" if sign < 0 else "counter-clockwise (left) seen from above"
    m.factor("turn", f"turning {way}",
             f"# Turning {way}: yaw rate, full score at 1 rad/s (a turn in about 6 s).",
             f"turn = np.clip({sign} * next_state.torso_angular_velocity[:, 2] / 1.0, 0.0, "
             f"1.0)")


def _low_pose(intent: TaskIntent, behaviours: set[str], h: float, description: EnvDescription,
              m: _Measure) -> None:
    if "lie" in behaviours:
        _lie(intent, h, description, m)
        return
    if "sit" in behaviours:
        lo, hi = 0.3 * h, 0.6 * h
        why = (f"# Sitting on the floor: the hips at floor level put the torso's centre at "
               f"about half the standing height ({lo:.2f}-{hi:.2f} m), upright.")
    elif "kneel" in behaviours:
        lo, hi = 0.55 * h, 0.85 * h
        why = (f"# Kneeling: the thighs stay upright on the knees, so the torso is lower than "
               f"standing by about a shin's length ({lo:.2f}-{hi:.2f} m), upright.")
    else:  # crouch
        lo, hi = 0.4 * h, 0.8 * h
        why = (f"# Crouching on the feet: knees and hips bent bring the torso to "
               f"{lo:.2f}-{hi:.2f} m (at least a fifth lower than standing, more than a standing "
               f"body sags), upright.")
    m.lines += [why, "z = next_state.torso_height"]
    m.factor("band", f"torso {lo:.2f}-{hi:.2f} m high, upright",
             f"band = np.clip(1.0 - np.maximum({lo:.3f} - z, z - {hi:.3f}) / {0.1 * h:.3f}, "
             f"0.0, 1.0)")
    m.factor("upright", None, "upright = np.clip((next_state.torso_up - 0.5) / 0.3, 0.0, 1.0)")
    knees = knee_contacts(description)
    contacts = list(description.contact_names) if "contacts" in description.field_names else []
    feet = named_parts(description, contacts, "foot")  # the reward composer's lookup
    if "crouch" in behaviours and "kneel" not in behaviours and feet and knees:
        m.factor("on_feet", "on the feet with no knee on the floor",
                 "# On the feet: the feet on the floor and no knee (shin or thigh) on it: a "
                 "crouch with a knee down is a kneel.",
                 f"on_feet = {_mean(feet)} * (1.0 - {_any(sum(knees, []))})")
    if "kneel" in behaviours:
        _knees(intent, description, knees, m)


def _knees(intent: TaskIntent, description: EnvDescription, knees: list[list[str]],
           m: _Measure) -> None:
    if not knees:
        raise _refuse("kneeling", f"{description.env_id} reports no shin (knee) contact")
    # Low and upright with the knees up is a quarter of a kneel: it tells a body getting there
    # from one lying on the floor, and never passes (0.25 < the threshold).
    part = ("Low and upright with the knees up earns a quarter (never a success). A knee is "
            "down when its shin or its thigh touches the floor (both end at the knee).")
    if len(knees) == 1:
        m.factor("knees", "its knee on the floor",
                 f"# Its only knee down. {part}", f"knees = 0.25 + 0.75 * {_any(knees[0])}")
        return
    each = [f"knee_{i} = {_any(k)}  # {' or '.join(k)}" for i, k in enumerate(knees[:2])]
    if intent.limb in ("knee", "shin", "leg") and intent.limb_count == 1:
        m.factor("knees", "exactly one knee on the floor",
                 f"# One knee down: exactly one touches the floor. {part}", *each,
                 "knees = 0.25 + 0.75 * np.abs(knee_0 - knee_1)")
    else:
        m.factor("knees", "both knees on the floor", f"# Both knees down. {part}", *each,
                 "knees = 0.25 + 0.75 * knee_0 * knee_1")


def _lie(intent: TaskIntent, h: float, description: EnvDescription, m: _Measure) -> None:
    if h < TALL_BODY_M:
        # A body about as wide as it is tall stands with its torso flat: on its back is upside
        # down, and "lying" is the torso down on the floor.
        m.factor("low", "torso down near the floor",
                 f"# Lying: the torso's centre down near the floor (under {0.5 * h:.2f} m, "
                 f"half its standing height).",
                 f"low = np.clip(({0.6 * h:.3f} - next_state.torso_height) / {0.1 * h:.3f}, "
                 f"0.0, 1.0)")
        if intent.lie_on in ("back", "front"):
            sign = -1.0 if intent.lie_on == "back" else 1.0
            m.factor("side", f"on its {intent.lie_on}",
                     f"# On its {intent.lie_on}: the torso's up axis points "
                     f"{'down (upside down)' if sign < 0 else 'up'}.",
                     f"side = np.clip({sign} * next_state.torso_up / 0.7, 0.0, 1.0)")
        return
    m.lines.append(f"# Lying: the torso's centre within a torso's thickness of the floor "
                   f"(under {0.25 * h:.2f} m, a quarter of the standing height) and the torso "
                   f"horizontal.")
    m.factor("low", "torso low and horizontal",
             f"low = np.clip(({0.35 * h:.3f} - next_state.torso_height) / {0.1 * h:.3f}, 0.0, "
             f"1.0)")
    m.factor("flat", None, "flat = np.clip(1.0 - np.abs(next_state.torso_up) / 0.5, 0.0, 1.0)")
    if intent.lie_on in ("back", "front") and "torso_orientation" in description.field_names:
        up = 1.0 if intent.lie_on == "back" else -1.0
        m.factor("side", f"on its {intent.lie_on}",
                 f"# On its {intent.lie_on}: the chest's forward axis points "
                 f"{'up' if up > 0 else 'down'} (world z of the torso's local x axis).",
                 "w, x, y, z = (next_state.torso_orientation[:, i] for i in range(4))",
                 "facing_up = 2.0 * (x * z - w * y)",
                 f"side = np.clip({up} * facing_up / 0.7, 0.0, 1.0)")


def _joint_goal(intent: TaskIntent, m: _Measure) -> None:
    names = ", ".join(repr(j) for j in intent.joints)
    m.lines.append(f"angles = np.abs(np.stack([next_state.joint_angles[j] for j in ({names},)], "
                   f"axis=1))")
    if intent.joint_goal == "straight":
        m.factor("joints", f"{', '.join(intent.joints)} straight",
                 "# Straight: each named joint within about 6 degrees of its rest angle, none "
                 "beyond 30.",
                 "joints = np.clip(1.0 - (angles.max(axis=1) - 0.1) / 0.4, 0.0, 1.0)")
    else:
        m.factor("joints", f"{', '.join(intent.joints)} bent",
                 "# Bent: each named joint at least about 30 degrees from its rest angle.",
                 "joints = np.clip(angles.min(axis=1) / 0.5, 0.0, 1.0)")


def _one_foot(intent: TaskIntent, description: EnvDescription, m: _Measure,
              moving: bool = False) -> None:
    """On one leg, or on the named one; a one-legged body always is (nothing to add)."""
    contacts = list(description.contact_names) if "contacts" in description.field_names else []
    feet = named_parts(description, contacts, "foot")  # the reward composer's lookup
    if len(feet) == 1:
        m.said.append(f"on its only leg ({description.env_id} has one leg: standing or moving "
                      f"at all is on one leg)")
        return
    if len(feet) != 2:
        raise _refuse("'on one leg'", f"{description.env_id} does not report two feet's "
                                      f"contacts")
    on = [f for f in feet if intent.side and side_of(description, f) == intent.side]
    if on:
        other = [f for f in feet if f not in on]
        if moving:  # a hop leaves the floor: only the other foot down breaks it
            m.factor("one_foot", f"the {intent.side} leg only: the other foot never down",
                     f"# On the {intent.side} leg while moving: the other foot never touches.",
                     f"one_foot = 1.0 - {_flags(other)[0]}")
        else:
            m.factor("one_foot", f"{intent.side} foot down and the other up",
                     f"# On the {intent.side} leg: that foot on the floor, the other off it.",
                     f"one_foot = {_flags(on)[0]} * (1.0 - {_flags(other)[0]})")
        return
    a, b = _flags(feet)
    if moving:  # a hop leaves the floor: only both feet down at once breaks "one leg"
        m.factor("one_foot", "never both feet on the floor",
                 "# On one leg while moving: never both feet on the floor at once.",
                 f"one_foot = 1.0 - {a} * {b}")
    else:
        m.factor("one_foot", "exactly one foot on the floor",
                 "# On one leg: exactly one foot touches the floor.",
                 f"one_foot = np.abs({a} - {b})")


def _check_fields(m: _Measure, description: EnvDescription) -> None:
    """Every ``next_state.<field>`` the measure reads is one the description lists."""
    read = set(re.findall(r"next_state\.(\w+)", "\n".join(m.lines)))
    missing = sorted(read - set(description.field_names))
    if missing:
        raise _refuse("this request", f"it would read {', '.join(missing)}, which "
                                      f"{description.env_id}'s state lacks (its fields: "
                                      f"{', '.join(description.field_names)})")
    names = set(re.findall(r"next_state\.contacts\['(\w+)'\]", "\n".join(m.lines)))
    if names - set(description.contact_names):
        unknown = ", ".join(sorted(names - set(description.contact_names)))
        raise _refuse("this request", f"{description.env_id} reports no contact for {unknown}")
