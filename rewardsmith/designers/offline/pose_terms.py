"""Reward terms for poses: stand (on one leg, on its front or back legs), kneel, sit, crouch, lie
down, raise the arms.

A pose is held, not travelled: its terms are target heights, floor contacts and torso axes, and
each height and width is a body proportion times the standing height the description gives.
Moving, turning and jumping need none of those proportions, so they and the reasoning behind
each target live here together. :mod:`.composer` calls :func:`add_pose_terms` and uses what it
decides (the contacts allowed down, whether the limb qualifier is used) for the rest of the reward.
"""

from __future__ import annotations

import re

from rewardsmith.designers.offline.body_parts import (
    TALL_BODY_M,
    hands_and_head,
    knee_contacts,
    named_parts,
    side_of,
)
from rewardsmith.designers.offline.terms import TermChoice
from rewardsmith.envs.body_proportions import HIP_H, KNEE_H, UPPER_ARM
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent


def add_pose_terms(intent: TaskIntent, description: EnvDescription, facts: EnvFacts,
                   behaviours: list[str], leg_group: str | None, limb_used: bool,
                   terms: list[TermChoice], notes: list[str], dropped: list[str]
                   ) -> tuple[list[str], set[str] | None, bool]:
    """Add the terms of every pose in ``behaviours`` (and "on its ``leg_group`` legs").

    Returns:
        The behaviours left (on its front legs is no plain stand; a short body does not kneel),
        the contacts the pose allows on the floor (None: no penalty), and whether the limb
        qualifier is used now (``limb_used``: whether it was before).
    """
    h = facts.height
    tall = bool(h and h >= TALL_BODY_M)
    feet = named_parts(description, description.contact_names, "foot")
    allowed: set[str] | None = None
    if leg_group and _leg_group_terms(leg_group, description, facts, feet, terms, dropped):
        behaviours = [b for b in behaviours if b != "stand"]
        limb_used = True
    behaviours = _drop_short_body_poses(behaviours, tall, h, description.env_id, dropped)
    if "kneel" in behaviours:
        limb_used = limb_used or intent.limb in ("knee", "shin", "leg")
        # Per leg, the contacts that put its knee down: MuJoCo reports whichever of the shin and
        # thigh is thicker at the knee (on Walker2d only the thigh), so either one counts.
        allowed = _kneel_terms(intent, knee_contacts(description), feet, h, terms, dropped)
    if "sit" in behaviours:
        allowed = _sit_terms(description, h, terms)
    if "crouch" in behaviours:
        allowed = _crouch_terms(feet, h, terms)
    if "lie" in behaviours:
        _lie_terms(intent, description, facts, tall, terms, dropped)
    if "raise_arms" in behaviours:
        limb_used = _arm_terms(intent, description, h, terms, notes, dropped) or limb_used
        if not {"kneel", "sit", "crouch", "lie"} & set(behaviours):  # raising them standing
            terms += _stand_terms(facts)
            allowed = set(feet) if allowed is None else allowed
    if "stand" in behaviours:
        terms += _stand_terms(facts)
        terms.append(TermChoice("still", "still", 0.5 if intent.still else 0.05,
                                "task" if intent.still else "shaping"))
        if intent.limb in ("leg", "foot") and intent.limb_count == 1:
            limb_used = _one_leg_terms(intent, description, feet, terms, notes)
        elif intent.limb in ("leg", "foot") and intent.limb_count == 2:
            limb_used = True  # "stand on both legs" is standing
        if allowed is None and feet:
            allowed = set(feet)
    return behaviours, allowed, limb_used


def _pick(names: list[str], pattern: str) -> list[str]:
    return [n for n in names if re.search(pattern, n)]


def _stand_terms(facts: EnvFacts) -> list[TermChoice]:
    """Standing: the torso up to its standing height (where the description gives it), upright."""
    terms = [TermChoice("upright", "upright", 0.5)]
    if facts.height:
        terms.insert(0, TermChoice("height", "height", 1.0, "task", {"target": facts.height},
                                   {"shape": "ramp"}))
    return terms


def _one_leg_terms(intent: TaskIntent, description: EnvDescription, feet: list[str],
                  terms: list[TermChoice], notes: list[str]) -> bool:
    """Standing on one leg: the named one down and the other up, else exactly one foot down.

    Returns:
        Whether the qualifier was used: False when the body has neither one foot nor two.
    """
    if len(feet) == 1:
        notes.append(f"{description.env_id} has one leg: it always stands on one leg")
    elif len(feet) == 2:
        on = [f for f in feet if side_of(description, f) == intent.side]
        if on:  # "stand on the left leg": that foot down, the other up
            terms.append(TermChoice(f"{intent.side}_foot_down", "contact", 1.0, "task",
                                    {}, {"bodies": on, "mode": "reward"}))
            terms.append(TermChoice("other_foot_up", "contact", 1.0, "task", {},
                                    {"bodies": [f for f in feet if f not in on],
                                     "mode": "penalty"}))
        else:
            terms.append(TermChoice("one_foot", "contact", 1.0, "task", {},
                                    {"bodies": feet, "mode": "one"}))
    else:
        return False
    return True


def _leg_group_terms(word: str, description: EnvDescription, facts: EnvFacts, feet: list[str],
                    terms: list[TermChoice], dropped: list[str]) -> bool:
    """Standing on its front or back legs (``word``: front, back, hind, rear): those feet down,
    every other contact up.

    Returns:
        Whether the body has such legs; if not, the request part goes to ``dropped``.
    """
    contacts = description.contact_names
    which = "front" if word == "front" else "back"
    on = [c for c in named_parts(description, contacts, which) if c in feet
          or re.search(r"lower leg|foot", description.body_docs.get(c, ""))]
    if on and "contacts" in facts.fields:
        members = named_parts(description, contacts, which)
        terms.append(TermChoice(f"on_{which}_legs", "contact", 1.0, "task", {},
                                {"bodies": on, "mode": "reward"}))
        terms.append(TermChoice("rest_up", "contact", 1.0, "task", {},
                                {"bodies": [c for c in contacts if c not in members],
                                 "mode": "penalty"}))
        if facts.height:  # held up by those legs: the torso's centre off the floor, half its height
            terms.append(TermChoice("height", "height", 0.3, "shaping",
                                    {"target": 0.5 * facts.height}, {"shape": "ramp"}))
        return True
    dropped.append(f"'on its {word} legs' ({description.env_id} has no "
                   f"{which} legs in its description)")
    return False


def _drop_short_body_poses(behaviours: list[str], tall: bool, h: float | None, env_id: str,
                          dropped: list[str]) -> list[str]:
    """The behaviours without kneel, sit, crouch and lie, poses of a tall body on two legs, when
    the body is not tall; a short body with a known height still lies (its torso on the floor)."""
    if {"kneel", "sit", "lie", "crouch"} & set(behaviours) and not tall:
        what = sorted({"kneel", "sit", "lie", "crouch"} & set(behaviours))
        if "lie" in what and h:
            what.remove("lie")
        if what:
            dropped.append(f"{'/'.join(what)} (a pose of a tall body on two legs; "
                           f"{env_id}'s torso stands about {h or 0:g} m high)")
            behaviours = [b for b in behaviours if b not in what]
    return behaviours


def _kneel_terms(intent: TaskIntent, knees: list[list[str]], feet: list[str], h: float,
                terms: list[TermChoice], dropped: list[str]) -> set[str]:
    """Kneeling on both knees, or on one ("kneel on one knee"), the torso upright.

    Returns:
        The contacts allowed on the floor: only knees and feet.
    """
    one = intent.limb in ("knee", "shin", "leg") and intent.limb_count == 1
    if len(knees) == 2:
        partners = {"partners": [k[1] for k in knees]} if all(len(k) == 2 for k in knees) \
            else {}
        terms.append(TermChoice("knees", "contact", 1.0, "task", {},
                                {"bodies": [k[0] for k in knees], **partners,
                                 "mode": "one" if one else "reward"}))
    else:
        dropped.append("the knees on the floor (no two shin contacts in the description)")
    terms.append(TermChoice("upright", "upright", 1.0))
    # Kneeling upright, the thighs stand on the knees: the chest is lower than standing by
    # the knee's height (KNEE_H * h). A kneeler may sit back towards its heels, up to a
    # thigh's length (HIP_H - KNEE_H) lower still: half of that is the tolerance.
    terms.append(TermChoice("height", "height", 1.0, "task",
                            {"target": (1 - KNEE_H) * h, "width": 0.5 * (HIP_H - KNEE_H) * h},
                            {"shape": "gaussian"}))
    return set(sum(knees, [])) | set(feet)  # kneeling: only knees and feet touch


def _sit_terms(description: EnvDescription, h: float, terms: list[TermChoice]) -> set[str]:
    """Sitting on the floor, upright, on the pelvis (else the thighs).

    Returns:
        The contacts allowed on the floor: all but the chest and waist.
    """
    contacts = description.contact_names
    terms.append(TermChoice("upright", "upright", 1.0))
    # Sitting on the floor, the hip joint is about a pelvis's thickness (0.1 h) above it
    # and the chest sits (1 - HIP_H) h above the hip joint.
    terms.append(TermChoice("height", "height", 1.0, "task",
                            {"target": (1 - HIP_H + 0.1) * h, "width": 0.1 * h},
                            {"shape": "gaussian"}))
    seat = _pick(contacts, r"pelvis|hip|butt") or named_parts(description, contacts, "thigh")
    if seat:
        terms.append(TermChoice("seated", "contact", 0.5, "task", {},
                                {"bodies": seat, "mode": "reward"}))
    # The chest and waist stay off the floor (that would be lying back); legs may touch.
    upper = _pick(contacts, r"torso|waist|pelvis|chest|head")
    return set(contacts) - (set(upper) - set(seat))


def _crouch_terms(feet: list[str], h: float, terms: list[TermChoice]) -> set[str]:
    """Crouching (squatting) on the feet.

    Returns:
        The contacts allowed on the floor: the feet.
    """
    terms.append(TermChoice("upright", "upright", 0.5))
    # Squatting with the thighs about level, the hip joint is at knee height and the chest
    # (1 - HIP_H) h above it: a thigh's length, (HIP_H - KNEE_H) h, below standing. The body
    # starts standing, where a bump around the crouch pays nothing and points nowhere while
    # upright and feet down already pay half: the term rises with every centimetre down from
    # standing height to the crouch, and stays full below it (lower is a deeper squat; a fall
    # is the contacts' penalty and, with the crouch's env settings, ends the episode).
    thigh = (HIP_H - KNEE_H) * h
    terms.append(TermChoice("height", "height", 1.0, "task",
                            {"target": (KNEE_H + 1 - HIP_H) * h, "width": thigh},
                            {"shape": "below"}))
    if feet:
        terms.append(TermChoice("feet_down", "contact", 0.5, "task", {},
                                {"bodies": feet, "mode": "reward"}))
    return set(feet)  # a crouch is on the feet: anything else down is a fall


def _lie_terms(intent: TaskIntent, description: EnvDescription, facts: EnvFacts, tall: bool,
              terms: list[TermChoice], dropped: list[str]) -> None:
    """Lying down: a tall body's torso low and horizontal, a short body's torso on the floor."""
    h = facts.height or 0.0
    way = intent.lie_on
    if tall:
        # The chest's centre about half a chest's depth off the floor (0.1 h), and its up axis
        # (the spine) horizontal.
        terms.append(TermChoice("low", "height", 1.0, "task", {"target": 0.1 * h,
                                "width": 0.1 * h}, {"shape": "gaussian"}))
        terms.append(TermChoice("flat", "flat", 0.5, "task"))
        if way in ("back", "front"):  # facing the sky (back) or the floor (front)
            terms.append(TermChoice(f"on_{way}", "torso_axis", 1.0, "task", {},
                                    {"axis": "x", "sign": 1 if way == "back" else -1}))
        elif way == "side":
            _on_side(facts.planar, description.env_id, terms, dropped)
        return
    # A short body (ant, cheetah) stands with its torso flat on its legs: lying is the torso
    # down on the floor, on its back upside down (its up axis pointing down).
    torso = _pick(description.contact_names, r"^torso$")
    if torso:
        terms.append(TermChoice("torso_down", "contact", 1.0, "task", {},
                                {"bodies": torso, "mode": "reward"}))
    terms.append(TermChoice("low", "height", 0.5, "task", {"target": 0.25 * h,
                            "width": 0.25 * h}, {"shape": "gaussian"}))
    if way in ("back", "front"):
        terms.append(TermChoice(f"on_{way}", "upright", 1.0, "task", {},
                                {"sign": -1 if way == "back" else 1}))
    elif way == "side":
        _on_side(facts.planar, description.env_id, terms, dropped)


def _on_side(planar: bool, env_id: str, terms: list[TermChoice], dropped: list[str]) -> None:
    """Lying on a side: the torso's left-right axis vertical; a planar body has no side."""
    if planar:
        dropped.append(f"on its side ({env_id} is planar)")
    else:
        terms.append(TermChoice("on_side", "torso_axis", 1.0, "task", {},
                                {"axis": "y", "mode": "abs"}))


def _arm_pairs(description: EnvDescription) -> dict[str, tuple[str, str]]:
    """side -> (elbow body, shoulder body): each lower arm's frame is at the elbow, each upper
    arm's at the shoulder (body docs), so the lower arm's height over the upper arm's is how far
    the elbow is above the shoulder."""
    names = description.body_names
    lowers = _pick(names, r"lower_arm|forearm")
    uppers = _pick(names, r"upper_arm")
    pairs = {}
    for low in lowers:
        match = [u for u in uppers if side_of(description, u) == side_of(description, low)]
        if match and side_of(description, low):
            pairs[side_of(description, low)] = (low, match[0])
    return pairs


def _arm_terms(intent: TaskIntent, description: EnvDescription, h: float | None,
              terms: list[TermChoice], notes: list[str], dropped: list[str]) -> bool:
    """Raising both arms, or one (the named side, else the right) with the other down.

    Returns:
        Whether the request's arm or hand qualifier was used.
    """
    reach = hands_and_head(description)
    pairs = {side: reach[0][side] for side in reach[0]} if reach else _arm_pairs(description)
    if not pairs:
        dropped.append("raising the arms (no upper and lower arm bodies in the description)")
        return False
    up, used = sorted(pairs), False
    if intent.limb in ("arm", "hand"):
        used = True
        if intent.limb_count == 1:
            side = intent.side or "right"
            if not intent.side:
                notes.append("one arm, side not given: the right arm")
            up = [side] if side in pairs else up
    if reach:  # the hands themselves over the top of the head
        _hands_over_head(up, reach[0], reach[1], terms)
        return used
    # An elbow one upper-arm length (UPPER_ARM * h) above its shoulder is an arm
    # pointing straight up, the hand well above the head: tanh(2) = 0.96 there.
    sharp = 2.0 / (UPPER_ARM * h) if h else 5.0
    terms.append(TermChoice("arms" if len(up) > 1 else f"{up[0]}_arm_up", "pair_above",
                            1.0, "task", {"sharpness": sharp},
                            {"bodies": [pairs[s][0] for s in up],
                             "over": [pairs[s][1] for s in up]}))
    down = [s for s in pairs if s not in up]
    if down:  # one arm up means the other is not: its elbow below its shoulder
        terms.append(TermChoice(f"{down[0]}_arm_down", "pair_above", 0.5, "task",
                                {"sharpness": sharp},
                                {"bodies": [pairs[s][0] for s in down],
                                 "over": [pairs[s][1] for s in down], "sign": -1}))
    return used


def _hands_over_head(up: list[str], hands: dict[str, str], head: tuple[str, float],
                     terms: list[TermChoice]) -> None:
    """"Above the head" read as the description gives it: a hand's centre over the top of the
    head sphere (its centre plus its radius). A hand one head (two radii) above that top is
    plainly up: tanh(1) = 0.76 there, so the slope is one over the head's height. One arm up
    means the other is not: that hand is paid, at half weight, for staying below the top."""
    name, radius = head
    sharp = 1.0 / (2.0 * radius)
    terms.append(TermChoice("arms" if len(up) > 1 else f"{up[0]}_arm_up", "point_above", 1.0,
                            "task", {"lift": radius, "sharpness": sharp},
                            {"points": [hands[s] for s in up], "over": [name] * len(up)}))
    down = [s for s in hands if s not in up]
    if down:
        terms.append(TermChoice(f"{down[0]}_arm_down", "point_above", 0.5, "task",
                                {"lift": radius, "sharpness": sharp},
                                {"points": [hands[s] for s in down], "over": [name],
                                 "sign": -1}))
