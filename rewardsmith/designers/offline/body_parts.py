"""How the offline designer reads body parts and jump words: shared by the reward and the measure.

The reward composer (:mod:`.composer`) and the success measure (:mod:`.success_measure`) must
read a request the same way, or the measure checks something the reward never asked for (a
measure looking for contacts named "...shin" finds none on Walker2d, whose shins are ``leg`` and
``leg_left``: only their docs say "shin"). So the lookups both use live here, once: parts found
by name *or* by their documented meaning, which side a part is on, which contacts put a knee on
the floor, the rise a jump asks for, "hop in place" read as a jump, and the pace the
description's notes call good.
"""

from __future__ import annotations

import os
import re

from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import TaskIntent

# "jump 0.3 m high", "leap 30 cm into the air".
JUMP_HEIGHT = r"(\d+(?:\.\d+)?)\s*(cm|m|metres?|meters?)\s+(high|up|into the air|in the air)"
# No height asked: a fifth of the standing height lifts the feet clear of the floor by about a
# foot's length on every body here.
DEFAULT_RISE = 0.2
# Taller than this standing, a body's torso up axis is its spine on two legs (humanoid, walker,
# hopper): it kneels, sits or lies on its back like a person, and lying down turns that axis
# horizontal. Shorter bodies (ant, cheetah) stand with the torso flat.
TALL_BODY_M = 1.0


def named_parts(description: EnvDescription, names: list[str], word: str) -> list[str]:
    """Names whose own name or doc holds ``word`` ("shin" finds Walker2d's ``leg``)."""
    return [n for n in names
            if re.search(rf"\b{word}", f"{n.replace('_', ' ')} {description.body_docs.get(n, '')}")]


def side_of(description: EnvDescription, name: str) -> str | None:
    """``"left"`` or ``"right"`` when the part's name or doc says so, else None."""
    words = f"{name.replace('_', ' ')} {description.body_docs.get(name, '')}"
    return next((s for s in ("left", "right") if re.search(rf"\b{s}\b", words)), None)


def named_points(description: EnvDescription) -> dict[str, tuple[str, float | None]]:
    """The parts ``geom_positions`` names: point -> (its doc, its sphere's radius or None).

    Read off that field's doc, as a designer reads it: "... (right_hand: right hand, a sphere of
    radius 0.04 m; ...; head: head, a sphere of radius 0.09 m)". Empty when the state has no
    such field (every body but the humanoid: its hands and head are not at any body's frame).
    """
    doc = next((f.doc for f in description.fields if f.name == "geom_positions"), None)
    if doc is None or "(" not in doc:
        return {}
    points = {}
    for item in doc[doc.index("(") + 1:doc.rindex(")")].split(";"):
        name, _, about = item.strip().partition(": ")
        radius = re.search(r"a sphere of radius (\d+(?:\.\d+)?) m", about)
        points[name] = (about, float(radius.group(1)) if radius else None)
    return points


def hands_and_head(description: EnvDescription) -> tuple[dict[str, str], tuple[str, float]] | None:
    """side -> hand point, and (head point, head radius): what "a hand above the head" reads.

    None when the description names no hand on each side or no head sphere: then the most a
    reward can read is the elbow frames.
    """
    points = named_points(description)
    hands = {}
    for name, (about, _) in points.items():
        side = next((s for s in ("left", "right") if re.search(rf"\b{s}\b", about)), None)
        if side and re.search(r"\bhand\b", f"{name.replace('_', ' ')} {about}"):
            hands[side] = name
    head = next(((n, r) for n, (about, r) in points.items()
                 if r and re.search(r"\bhead\b", f"{n} {about}")), None)
    if set(hands) != {"left", "right"} or head is None:
        return None
    return hands, head


def knee_contacts(description: EnvDescription) -> list[list[str]]:
    """Per leg, the contacts that put its knee on the floor: that side's shin and thigh.

    The knee is where the thigh meets the shin, so either one's end on the floor is the knee
    down, and which one the simulator reports depends on which is thicker there: on Walker2d
    the thigh (radius 0.05 m against the shin's 0.04 m), so its shins never touch the floor
    while a knee rests on it. Parts are found by name or doc (:func:`named_parts`) and paired
    by side (:func:`side_of`); where no side is named (HalfCheetah's ``bshin``/``bthigh`` and
    ``fshin``/``fthigh``), by the longest shared start of the names.
    """
    if "contacts" not in description.field_names:
        return []
    contacts = list(description.contact_names)
    thighs = named_parts(description, contacts, "thigh")
    knees = []
    for shin in named_parts(description, contacts, "shin"):
        side = side_of(description, shin)
        same_side = [t for t in thighs if side_of(description, t) == side]
        same_side.sort(key=lambda t: -len(os.path.commonprefix([shin, t])))  # stable sort
        knees.append([shin, *same_side[:1]])
    return knees


def asked_rise(text: str, height: float) -> tuple[float, bool]:
    """How far above its standing ``height`` a jump in ``text`` should lift the torso (m).

    Returns:
        The rise, and whether the text asked for it (False: the default fifth of ``height``).
    """
    found = re.search(JUMP_HEIGHT, " ".join(text.lower().split()))
    if found:
        return float(found.group(1)) / (100.0 if found.group(2) == "cm" else 1.0), True
    return DEFAULT_RISE * height, False


def reads_as_jump(intent: TaskIntent, text: str) -> bool:
    """"Hop in place" with no direction: up and down, not across the floor, so a jump."""
    t = " ".join(text.lower().split())
    return ("move" in intent.behaviours and intent.in_place and not intent.direction
            and re.search(r"\bhop|\bjump", t) is not None)


def good_speed(description: EnvDescription) -> float:
    """The lower end of the speed the description's notes call good ("A good runner reaches 3-10
    m/s"), else 1 m/s."""
    text = " ".join(description.notes).lower()
    found = re.search(r"good \w+ (?:reaches|moves at|runs at|walks at) (\d+(?:\.\d+)?)", text)
    return float(found.group(1)) if found else 1.0
