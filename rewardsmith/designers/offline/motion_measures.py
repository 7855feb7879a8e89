"""The success measure of a held pace: moving in a direction (at a speed, slowly) or turning.

A pace is held like a pose, but speeds fluctuate within a stride, so its bands are looser and
its threshold (:data:`.measure_writing.MOVE_THRESHOLD`) lower. The pace scores each step's
speed and is gated on getting somewhere (the mean speed since the episode began): a per-step
speed alone paid the forward half of hopping in place 0.497 against a threshold of 0.5 in a
held-out run (mean speed 0.02 m/s). The mean alone is no measure of a pace: it lags a slow start
for the whole episode (a cheetah at 2.6 m/s from its third second still averages 2.2 m/s at 10
s). Speeds come from the env description's notes (the pace they call good), never from a
built-in task. What the torso's velocity cannot tell is refused: turning or sideways motion of a
planar body, and stepping "in place" (from the torso it is standing; "hop in place" is a jump,
:mod:`.act_measures`).
"""

from __future__ import annotations

from rewardsmith.designers.offline.body_parts import good_speed
from rewardsmith.designers.offline.measure_writing import (
    MOVE_THRESHOLD,
    Measure,
    refuse,
    stay_in_place,
)
from rewardsmith.designers.offline.pose_measures import one_foot
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent


def locomotion(text: str, intent: TaskIntent, behaviours: set[str],
               description: EnvDescription, facts: EnvFacts, m: Measure) -> float:
    """Moving or turning, upright (on one leg, in place, when asked); returns the threshold."""
    if "move" in behaviours and intent.in_place and not intent.still:
        raise refuse(repr(text.strip()), "moving 'in place' asks for stepping without "
                                         "travelling, which a measure of the torso cannot "
                                         "tell apart from standing")
    if "move" in behaviours and not intent.still:
        move(intent, description, facts, m)
    else:
        _spin(intent, description, facts, m)
    if "torso_up" in facts.fields and "lie" not in behaviours:
        m.factor("upright", "torso upright",
                 "# Upright within about 45 degrees: moving on its back is not what was "
                 "asked.", "upright = np.clip(next_state.torso_up / 0.7, 0.0, 1.0)")
    if intent.limb in ("leg", "foot") and intent.limb_count == 1:
        one_foot(intent, description, m, moving=True)
    stay_in_place(intent, m, 0.2)
    return MOVE_THRESHOLD


def move(intent: TaskIntent, description: EnvDescription, facts: EnvFacts, m: Measure) -> None:
    """The pace factor: torso speed in the asked direction, scored against the asked speed."""
    axis = 1 if intent.axis == "y" else 0
    if axis == 1 and facts.planar:
        raise refuse("sideways motion", f"{description.env_id} is planar: it moves only along "
                                        f"x")
    sign = -1.0 if intent.direction < 0 else 1.0
    way = {(0, 1.0): "forward (+x)", (0, -1.0): "backward (-x)", (1, 1.0): "left (+y)",
           (1, -1.0): "right (-y)"}[(axis, sign)]
    m.lines.append(f"speed = {sign} * next_state.torso_velocity[:, {axis}]  # {way}, this step")
    if intent.speed == "target" and intent.target_speed is not None:
        target = float(intent.target_speed)
        tol = max(0.25, 0.25 * target)
        m.factor("pace", f"{way} speed near {target:g} m/s",
                 f"# At {target:g} m/s: 1 at the asked speed, falling linearly to 0 at {tol:g} "
                 f"m/s either side (a quarter of the asked speed, at least 0.25 m/s).",
                 f"pace = np.clip(1.0 - np.abs(speed - {target}) / {tol}, 0.0, 1.0)")
        half = target - tol / 2  # the slowest speed that earns half the score
    elif intent.speed == "slow":
        good = good_speed(description)
        low, top = 0.25 * good, 0.5 * good
        m.factor("pace", f"moving {way} slowly ({low:g}-{top:g} m/s)",
                 f"# Slowly: clearly moving, but at a quarter to a half of the speed the "
                 f"description calls good ({good:g} m/s): {low:g}-{top:g} m/s; 0 below half of "
                 f"that band's floor (drifting) and at twice its ceiling.",
                 f"pace = np.clip((speed - {low / 2:g}) / {low / 2:g}, 0.0, 1.0) * "
                 f"np.clip(2.0 - speed / {top:g}, 0.0, 1.0)")
        half = 0.75 * low
    else:
        good = good_speed(description)
        m.factor("pace", f"{way} speed, full at {good:g} m/s",
                 f"# Full score at {good:g} m/s, the lower end of what the description calls "
                 f"good.", f"pace = np.clip(speed / {good}, 0.0, 1.0)")
        half = 0.5 * good
    floor = round(max(0.5 * half, 0.01), 4)
    m.factor("going", f"getting somewhere: a mean {way} speed so far of at least {floor:g} m/s",
             f"# Getting somewhere: the mean speed since the episode began (the torso starts near "
             f"x = 0) reaches half of the slowest pace that scores 0.5 above, {floor:g} m/s. "
             f"Hopping in place has forward phases that the pace pays; its mean speed is about "
             f"0. A mean lags a slow start by a few seconds, so only half the pace is asked of "
             f"it, and the first second (the start's offset from x = 0) passes.",
             f"mean_speed = {sign} * next_state.torso_position[:, {axis}] / "
             f"np.maximum(next_state.time, 1.0)",
             f"going = np.where(next_state.time < 1.0, 1.0, np.clip(mean_speed / {floor}, 0.0, "
             f"1.0))")


def _spin(intent: TaskIntent, description: EnvDescription, facts: EnvFacts,
          m: Measure) -> None:
    if facts.planar:
        raise refuse("turning", f"{description.env_id} is planar: it cannot turn about the "
                                f"vertical")
    sign = -1.0 if intent.rotation < 0 else 1.0
    way = "clockwise seen from above" if sign < 0 else "counter-clockwise (left) seen from above"
    m.factor("turn", f"turning {way}",
             f"# Turning {way}: yaw rate, full score at 1 rad/s (a turn in about 6 s).",
             f"turn = np.clip({sign} * next_state.torso_angular_velocity[:, 2] / 1.0, 0.0, "
             f"1.0)")
