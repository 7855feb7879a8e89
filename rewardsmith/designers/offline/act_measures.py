"""The success measure of a momentary act, repeated: jumping (hopping in place) and flipping.

One jump or one flip is over in half a second, so a held-pose measure would fail it and a
single act would pass a peak. Instead the per-step score counts the part of a jump cycle
(a ballistic flight, then a stance as long) that shows the act, and the threshold asks for
such cycles over most of the episode: one jump or one flip does not pass. The rise a jump asks
for is read as the reward reads it (:func:`.body_parts.asked_rise`). A flip's score is signed
(turning the other way counts against it), so rocking back and forth nets nothing; only a
planar body's flip is measured, since a 3-D body's pitch axis turns with its heading.
"""

from __future__ import annotations

import math

from rewardsmith.designers.offline.body_parts import DEFAULT_RISE, asked_rise
from rewardsmith.designers.offline.measure_writing import (
    MOVE_THRESHOLD,
    POSE_THRESHOLD,
    Measure,
    any_down,
    refuse,
    standing_height,
)
from rewardsmith.designers.offline.motion_measures import move
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent

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


def flight_time(rise: float) -> float:
    """Seconds a ballistic flight that rises ``rise`` metres lasts: 2 sqrt(2 rise / g)."""
    return 2.0 * math.sqrt(2.0 * rise / G)


def flip(intent: TaskIntent, description: EnvDescription, facts: EnvFacts, m: Measure) -> float:
    """The signed pitch rate of a front flip or backflip (in place, when asked); the threshold."""
    env = description.env_id
    if not facts.planar or "torso_angular_velocity" not in facts.fields:
        raise refuse("a flip", f"{env} is not a planar body, so its pitch axis turns with its "
                               f"heading and the world's y axis is not the axis it flips about")
    h = standing_height(facts, env)
    sign = 1.0 if intent.rotation > 0 else -1.0  # a front flip turns the torso's front down: +y
    way = "front flip (forward, +y)" if sign > 0 else "backflip (backward, -y)"
    rise = DEFAULT_RISE * h
    flight = flight_time(rise)
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


def jump(text: str, intent: TaskIntent, behaviours: set[str], description: EnvDescription,
         facts: EnvFacts, m: Measure) -> float:
    """Airborne and risen (forward or in place, when asked); returns the threshold."""
    env = description.env_id
    h = standing_height(facts, env)
    contacts = list(description.contact_names)
    if "contacts" not in facts.fields or not contacts:
        raise refuse("a jump", f"{env} reports no floor contacts, so a measure cannot tell a "
                               f"jump from standing on tiptoe")
    rise, asked = asked_rise(text, h)
    why = (f"the asked {rise:g} m" if asked else
           f"a fifth of its standing height ({rise:.2f} m), which lifts the feet clear of the "
           f"floor by about a foot's length")
    flight = flight_time(rise)
    m.factor("airborne", "in the air",
             "# Airborne: no body part on the floor (standing on tiptoe is not a jump).",
             f"airborne = 1.0 - {any_down(contacts)}")
    m.factor("rise", f"torso up to {rise:.2f} m above its standing height {h:.2f} m",
             f"# Rise: the torso above its standing height ({h:.2f} m), full at {why}. A jump "
             f"that high flies {flight:.2f} s = 2 sqrt(2R/g) and scores 2/3 on average over it; "
             f"a stance as long between flights makes a jump cycle average 1/3.",
             f"rise = np.clip((next_state.torso_height - {h:.3f}) / {rise:.3f}, 0.0, 1.0)")
    if "torso_up" in facts.fields:
        m.factor("upright", "upright",
                 "upright = np.clip((next_state.torso_up - 0.5) / 0.3, 0.0, 1.0)")
    if ("move" in behaviours or intent.direction) and not intent.in_place:  # "jump forward"
        move(intent, description, facts, m)
        # Jumping along: the pace factor is full at a good speed, looser like any pace.
        return round(JUMP_THRESHOLD * MOVE_THRESHOLD / POSE_THRESHOLD, 3)
    if intent.in_place:
        _jump_in_place(m, flight)
    return JUMP_THRESHOLD


def _jump_in_place(m: Measure, flight: float) -> None:
    m.factor("in_place", "landing where it took off",
             f"# In place: under 0.25 m/s across the floor (a {flight:.2f} s flight then drifts "
             f"under {25 * flight:.0f} cm, less than a foot's length), none from 0.5 m/s "
             f"(travelling).",
             "drift = np.linalg.norm(next_state.torso_velocity[:, :2], axis=1)",
             "in_place = np.clip((0.5 - drift) / 0.25, 0.0, 1.0)")
