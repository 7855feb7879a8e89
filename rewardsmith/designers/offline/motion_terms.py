"""The terms of motion: travelling (at a pace, on one leg), rotating (flips, cartwheels, spins)
and jumping. Each step of :func:`.composer.compose` reads and extends the :class:`.draft.Draft`.
"""

from __future__ import annotations

import math

from rewardsmith.designers.offline.body_parts import asked_rise, good_speed, side_of
from rewardsmith.designers.offline.draft import Draft
from rewardsmith.designers.offline.terms import TermChoice

# One flip per second is a brisk pace: 2*pi rad/s about the pitch axis.
FLIP_RATE = 2 * math.pi


def moving_terms(draft: Draft) -> None:
    """Moving forward, backward or sideways, at a good pace or the asked one, maybe on one leg."""
    if "move" not in draft.behaviours:
        return
    intent, description = draft.intent, draft.description
    draft.locomotes, axis, sign = True, intent.axis, intent.direction or 1
    if not intent.direction:
        draft.notes.append("no direction given: forward")
    if axis == "y" and draft.facts.planar:
        draft.dropped.append(f"sideways motion ({description.env_id} is planar: it moves only "
                             f"along x; approximated by forward)")
        axis, sign = "x", 1
    name = {("x", 1): "forward", ("x", -1): "backward", ("y", 1): "left",
            ("y", -1): "right"}[axis, sign]
    good = good_speed(description)
    if intent.speed in ("slow", "target"):
        # "Slowly" is a quarter to a half of what the notes call a good pace: aim at the
        # middle (3/8). The band is a quarter of the asked speed either way (at least
        # 0.25 m/s: a stride's own fluctuation).
        speed = intent.target_speed or 0.375 * good
        good = speed
        draft.terms.append(TermChoice(name, "target_speed", 1.0, "task", {"speed": speed,
                           "width": max(0.25, 0.25 * speed)}, {"axis": axis, "sign": sign}))
    else:
        draft.terms.append(TermChoice(name, "velocity", 1.0, "task", {},
                                      {"axis": axis, "sign": sign}))
    # Full effort costs a tenth of what moving at a good pace pays.
    draft.cost_level = 0.1 * good
    if not draft.facts.terminates and "torso_up" in draft.facts.fields and not intent.low:
        # It cannot fall into a terminal state and "may end up on its back and keep going":
        # moving on its back is not what was asked. A tenth of the good pace, as shaping.
        draft.terms.append(TermChoice("upright", "upright", round(0.1 * good, 3)))
    if intent.limb in ("leg", "foot") and intent.limb_count == 1:
        draft.limb_used = _one_leg_gait_terms(draft)


def _one_leg_gait_terms(draft: Draft) -> bool:
    """Moving on one leg ("hop on the left leg"). Returns whether the body has one or two feet
    to tell apart (else the qualifier goes unused)."""
    intent, description, feet = draft.intent, draft.description, draft.feet
    if len(feet) == 1:
        draft.notes.append(f"{description.env_id} has one leg: it always moves on one leg")
    elif len(feet) == 2:
        other = [f for f in feet if intent.side and side_of(description, f) != intent.side]
        if other:  # "hop on the left leg": the right foot never touches
            draft.terms.append(TermChoice("other_foot_up", "contact", 1.0, "task", {},
                                          {"bodies": other, "mode": "penalty"}))
        else:  # "hop on one leg": never both feet down at once
            draft.terms.append(TermChoice("one_leg", "contact", 1.0, "task", {},
                                          {"bodies": feet, "mode": "not_all"}))
    else:
        return False
    return True


def rotation_terms(draft: Draft) -> None:
    """Rotating the body: cartwheels and flips (turning over), spins (about the vertical)."""
    if not ("flip" in draft.behaviours or "spin" in draft.behaviours or draft.cartwheel):
        return
    draft.locomotes = True
    if draft.cartwheel:
        _cartwheel_terms(draft)
    if "flip" in draft.behaviours:
        sign = draft.intent.rotation or -1
        draft.terms.append(TermChoice("flip", "rotation", 1.0, "task", {},
                                      {"axis": "y", "sign": sign}))
        draft.cost_level = 0.1 * FLIP_RATE  # full effort costs a tenth of a flip per second
    elif "spin" in draft.behaviours:
        _spin_terms(draft)
    if draft.facts.height:
        draft.extras.append(TermChoice("height", "height", 0.2, "shaping",
                                       {"target": draft.facts.height}, {"shape": "ramp"}))


def _cartwheel_terms(draft: Draft) -> None:
    """A cartwheel: rolling sideways like a wheel; a planar body flips instead."""
    if draft.facts.planar:
        draft.dropped.append(f"the cartwheel ({draft.description.env_id} is planar: it rotates "
                             f"only about y; approximated by a flip)")
        draft.behaviours.append("flip")
        return
    # A cartwheel rolls the body sideways like a wheel: travelling left (+y) with the
    # head leading over means turning about the forward axis with omega_x < 0.
    way = -1 if draft.intent.axis == "y" and draft.intent.direction < 0 else 1
    draft.terms.append(TermChoice("cartwheel", "rotation", 1.0, "task", {},
                                  {"axis": "x", "sign": -way}))
    draft.terms.append(TermChoice("sideways", "velocity", 0.5, "task", {},
                                  {"axis": "y", "sign": way}))
    draft.cost_level = 0.1 * FLIP_RATE


def _spin_terms(draft: Draft) -> None:
    """Turning about the vertical on the spot; a planar body cannot."""
    intent = draft.intent
    if draft.facts.planar:
        draft.dropped.append(f"turning ({draft.description.env_id} is planar: it cannot turn "
                             f"about the vertical)")
        return
    if not intent.rotation:
        draft.notes.append("no turning direction given: counter-clockwise")
    draft.terms.append(TermChoice("spin", "rotation", 1.0, "task", {},
                                  {"axis": "z", "sign": intent.rotation or 1}))
    draft.terms.append(TermChoice("still", "still", 0.5 if intent.in_place else 0.1))
    draft.cost_level = 0.1  # full effort costs a tenth of turning at 1 rad/s


def jump_terms(draft: Draft) -> None:
    """Jumping, or hopping in place: rising, the torso above its standing height."""
    if "jump" not in draft.behaviours:
        return
    h = draft.facts.height
    draft.locomotes = True
    draft.terms.append(TermChoice("jump", "velocity", 1.0, "task", {},
                                  {"axis": "z", "sign": 1, "positive_only": True}))
    if h:
        rise = asked_rise(draft.text, h)[0]  # the asked rise, else a fifth of the standing height
        draft.terms.append(TermChoice("jump_height", "height", 1.0, "task",
                                      {"target": h, "width": rise}, {"shape": "above"}))
    if draft.intent.in_place:  # "hop in place": up and down, not across the floor
        draft.terms.append(TermChoice("still", "still", 0.5, "task"))
