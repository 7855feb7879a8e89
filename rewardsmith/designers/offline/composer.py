"""Choose reward terms and weights from intents and the env description, and render the module.

Every choice uses only fields, joints, bodies and contacts the description really has. The
rendered module follows the reward contract exactly (components already weighted, total = their
sum) and carries its own recipe as a one-line JSON header (:mod:`.program` renders and reads
it); feedback edits the terms in :mod:`.feedback_edits`.

The vocabulary (:data:`VOCABULARY`) is said out loud: a request that asks for something it
cannot express (an act no term covers, "sideways" for a planar body, a limb qualifier nothing
uses) stops with an :class:`OfflineDesignError` that lists it, unless the user accepts an
approximation, and then the rationale starts with what was dropped. Every height, width and
weight is derived from the env description (its standing height, its good pace, its body and
contact names) and body proportions written next to it (those of poses in :mod:`.pose_terms`).
:func:`compose` reads the request, then lets each behaviour family add its terms in turn (motion
in :mod:`.motion_terms`, poses in :mod:`.pose_terms`) to a :class:`.draft.Draft`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rewardsmith.designers.offline.body_parts import (
    named_parts,
    named_points,
    reads_as_jump,
)
from rewardsmith.designers.offline.draft import Draft
from rewardsmith.designers.offline.motion_terms import (
    jump_terms,
    moving_terms,
    rotation_terms,
)
from rewardsmith.designers.offline.pose_terms import add_pose_terms
from rewardsmith.designers.offline.terms import NAME_KEYS, TermChoice, get_term
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent, env_facts
from rewardsmith.errors import RewardsmithError


class OfflineDesignError(RewardsmithError):
    """The term library cannot express a reward for this env, this source or this request."""


# What the offline designer understands, said in every refusal so the user can rephrase.
VOCABULARY = (
    "moving forward, backward, or sideways (left/right: 3-D bodies only) -- run, walk, hop, "
    "crawl; speed: fast, slowly, 'at 1.5 m/s'; turning/spinning clockwise or counter-clockwise "
    "(3-D bodies); jumping ('jump 0.3 m high'), hopping in place; front flips and backflips; "
    "cartwheels (3-D bodies); staying still or in place; poses: stand, stand on one leg (left or "
    "right), stand on its front or back legs, crouch, kneel (both knees or one), sit, lie down "
    "(on its back, front or side); raising both arms or one (left/right) arm; keeping named "
    "joints straight or bent; balancing the pole")
# Acts people ask of these bodies that no term here expresses: refused by name, not guessed at.
_UNSUPPORTED = (r"\b(wav(e|es|ing)|splits?|hand-?stands?|head-?stands?|push[- ]?ups?|"
                r"pull[- ]?ups?|danc\w*|kick\w*|punch\w*|clap\w*|climb\w*|swim\w*|throw\w*|"
                r"salut\w*|moonwalk\w*|box(es|ing)|cross(es|ing)? its|roll(s|ing)?|"
                r"somersault\w* sideways|walk(s|ing)? on its hands)\b")
_CARTWHEEL = r"\bcart-?wheel\w*"
_LEG_GROUP = r"\bon (its|the|his|her|both|two) (front|back|hind|rear) (legs?|feet|paws)\b"

@dataclass
class Plan:
    """The default reward for an intent, plus optional terms variants may try.

    Attributes:
        terms: candidate 0's terms.
        extras: optional terms the other candidates may add.
        notes: choices worth telling the user (for the rationale).
        dropped: parts of the request the reward does not express (only with approximation).
    """

    terms: list[TermChoice]
    extras: list[TermChoice]
    notes: list[str]
    dropped: list[str] = field(default_factory=list)


def _cost(facts: EnvFacts, level: float) -> TermChoice:
    # ``level`` is what full effort on every actuator costs per step, in units of the task term.
    return TermChoice("action_cost", "action_cost", level / facts.action_scale, "cost")


def _default_behaviour(facts: EnvFacts) -> str:
    """What is left to do when nothing expressible is: balance the pole, else stand, else move."""
    return "balance" if "pole_angle" in facts.fields else "stand" if facts.height else "move"


def compose(intent: TaskIntent, description: EnvDescription, text: str = "",
            accept_approximation: bool = False) -> Plan:
    """Choose the default terms for ``intent`` on ``description`` (candidate 0's reward).

    Args:
        intent: the parsed request.
        description: the env description, the only thing known of the env.
        text: the request's own words, for the few the parser does not read (cartwheel, "on its
            front legs", a jump height, acts no term expresses).
        accept_approximation: compose the nearest reward when part of the request cannot be
            expressed, and list what was dropped, instead of refusing.

    Raises:
        OfflineDesignError: the request asks for something the vocabulary cannot express (and
            ``accept_approximation`` is off), or the description lacks every field the needed
            terms read.
    """
    draft = _read_request(intent, description, text, accept_approximation)
    _balance_terms(draft)
    moving_terms(draft)
    rotation_terms(draft)
    jump_terms(draft)
    _pose_terms(draft)
    _stillness_terms(draft)
    _check_limb_qualifier(draft)
    _floor_contact_terms(draft)
    _joint_terms(draft)
    _episode_health_terms(draft)
    return _plan(draft, text, accept_approximation)


def _read_request(intent: TaskIntent, description: EnvDescription, text: str,
                  accept_approximation: bool) -> Draft:
    """The behaviours to express: the parsed ones ("hop in place" read as a jump), minus acts no
    term expresses (dropped), or a default when nothing expressible is left."""
    t = " ".join(text.lower().split())
    facts = env_facts(description)
    draft = Draft(intent, description, t, facts, list(intent.behaviours),
                   cartwheel=bool(re.search(_CARTWHEEL, t)), leg_group=re.search(_LEG_GROUP, t),
                   feet=named_parts(description, description.contact_names, "foot"),
                   limb_used=intent.limb is None,
                   extras=[TermChoice("joint_speed", "joint_speed_cost", 0.001, "cost")])
    unsupported = sorted({m.group(0) for m in re.finditer(_UNSUPPORTED, t)})
    if unsupported:
        draft.dropped.append(f"{', '.join(repr(u) for u in unsupported)} (no term expresses it)")
    if reads_as_jump(intent, t):
        draft.behaviours = [b for b in draft.behaviours if b != "move"] + ["jump"]  # "hop in place"
    if not draft.behaviours and not draft.cartwheel and not draft.leg_group:
        if unsupported and intent.limb in ("arm", "hand") and accept_approximation:
            draft.behaviours = ["raise_arms"]  # "wave the right hand": the nearest is raising it
            draft.notes.append("nearest expressible: raising that arm")
        else:
            default = _default_behaviour(facts)
            if not unsupported:
                draft.dropped.append(f"the request itself: no behaviour in {text.strip()!r} is in "
                                     f"the vocabulary")
            draft.behaviours = [default]
            draft.notes.append(f"nothing expressible left: defaulting to {default}")
    draft.posed = bool({"stand", "kneel", "sit", "raise_arms", "lie", "crouch"}
                       & set(draft.behaviours) or draft.leg_group)
    return draft


def _balance_terms(draft: Draft) -> None:
    """Balancing the pole: upright, and the cart near the centre of its rail."""
    if "balance" in draft.behaviours and "pole_angle" in draft.facts.fields:
        draft.terms += [TermChoice("upright", "pole_upright", 1.0, "task"),
                        TermChoice("centred", "cart_centre", 0.05)]
        draft.cost_level = 0.003


def _pose_terms(draft: Draft) -> None:
    """Poses (:mod:`.pose_terms`): they settle the behaviours left, the contacts allowed down,
    and whether the limb qualifier is used."""
    word = draft.leg_group.group(2) if draft.leg_group else None
    draft.behaviours, draft.allowed, draft.limb_used = add_pose_terms(
        draft.intent, draft.description, draft.facts, draft.behaviours, word, draft.limb_used,
        draft.terms, draft.notes, draft.dropped)


def _stillness_terms(draft: Draft) -> None:
    """Staying still, where no stand term or motion already says how to move."""
    if draft.intent.still and not {"stand"} & set(draft.behaviours) and not draft.locomotes:
        draft.terms.append(TermChoice("still", "still", 0.5, "task"))


def _check_limb_qualifier(draft: Draft) -> None:
    """A limb qualifier no term uses ("sit on its left leg") is a part of the request dropped."""
    intent = draft.intent
    if intent.joints and intent.joint_goal:
        draft.limb_used = True  # "keep the left knee straight": the joint term uses it
    if not draft.limb_used:
        draft.dropped.append(f"the {intent.side + ' ' if intent.side else ''}{intent.limb} "
                             f"qualifier (nothing in this request uses it)")


def _floor_contact_terms(draft: Draft) -> None:
    """A held pose pays for every contact it does not allow on the floor (optional for a stand)."""
    if draft.posed and draft.allowed is not None and not draft.locomotes \
            and "contacts" in draft.facts.fields:
        down = [c for c in draft.description.contact_names if c not in draft.allowed]
        if down:
            plain_stand = draft.behaviours == ["stand"] and not draft.intent.limb
            (draft.extras if plain_stand else draft.terms).append(
                TermChoice("body_down", "contact", 1.0, "shaping", {},
                           {"bodies": down, "mode": "penalty"}))


def _joint_terms(draft: Draft) -> None:
    """Named joints kept straight (angle 0) or bent (1 rad the way the joint's doc says)."""
    intent = draft.intent
    if intent.joints and intent.joint_goal:
        target = 0.0 if intent.joint_goal == "straight" else _bent_angle(intent.joints[0],
                                                                          draft.description)
        draft.terms.append(TermChoice("joint_pose", "joint_target", 0.5, "shaping",
                                      {"target": target}, {"joints": list(intent.joints)}))


def _episode_health_terms(draft: Draft) -> None:
    """Travelling or rotating where the episode can end early."""
    if not (draft.locomotes and draft.facts.terminates):
        return
    h = draft.facts.height
    # The episode can end early: pay for staying healthy and keep the shaping mild.
    draft.terms.append(TermChoice("alive", "alive", 1.0))
    if "torso_up" in draft.facts.fields and "flip" not in draft.behaviours \
            and not draft.cartwheel:
        draft.terms.append(TermChoice("upright", "upright", 0.1))
    if h and "jump" not in draft.behaviours:
        draft.terms.append(TermChoice("height", "height", 0.1, "shaping",
                                      {"target": h}, {"shape": "ramp"}))
    draft.cost_level = 0.003


def _plan(draft: Draft, text: str, accept_approximation: bool) -> Plan:
    """The effort cost and the usable terms; a refusal, or the approximation and its notes."""
    description, facts = draft.description, draft.facts
    dropped, notes = draft.dropped, draft.notes
    draft.terms.append(_cost(facts, draft.cost_level))
    if facts.terminates and not draft.posed:  # pose tasks never end early
        draft.extras.append(TermChoice("alive", "alive", 1.0))
    terms = usable(_dedupe(draft.terms), description)
    if dropped and not accept_approximation:
        raise OfflineDesignError(
            f"the offline designer cannot express {'; '.join(dropped)} in {text.strip()!r} on "
            f"{description.env_id}. It understands: {VOCABULARY}. Rephrase within that, use an "
            f"LLM designer (--model), or pass --accept-approximation to train the nearest reward "
            f"it can compose (it then lists what it dropped).")
    if dropped and not any(t.role == "task" for t in terms):
        default = _default_behaviour(facts)
        fallback = compose(TaskIntent(behaviours=(default,)), description, default, True)
        return Plan(fallback.terms, fallback.extras, [
            f"APPROXIMATION: dropped {'; '.join(dropped)}",
            f"nothing expressible left: defaulting to {default}", *notes, *fallback.notes],
            dropped)
    if not any(t.role == "task" for t in terms):
        raise OfflineDesignError(
            f"the offline designer's term library cannot express this task on "
            f"{description.env_id}: none of its task terms fits the fields "
            f"{', '.join(description.field_names)}. Use an LLM designer (--model) instead.")
    if dropped:
        notes.insert(0, f"APPROXIMATION: dropped {'; '.join(dropped)}")
    names = {t.name for t in terms}
    return Plan(terms, [e for e in usable(_dedupe(draft.extras), description)
                        if e.name not in names], notes, dropped)


def _bent_angle(joint: str, description: EnvDescription) -> float:
    doc = description.joint_docs.get(joint, "")
    return 1.0 if "positive bent" in doc else -1.0


def _dedupe(terms: list[TermChoice]) -> list[TermChoice]:
    """Keep the first term of each name (the one the main behaviour asked for)."""
    seen, out = set(), []
    for t in terms:
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return out


def usable(terms: list[TermChoice], description: EnvDescription) -> list[TermChoice]:
    """Drop terms whose fields or names the description does not have."""
    fields = set(description.field_names)
    known = set(description.joint_names) | set(description.body_names) \
        | set(description.contact_names) | set(named_points(description))
    return [t for t in terms if set(get_term(t.term).needs) <= fields
            and all(n in known for key in NAME_KEYS for n in t.options.get(key, []))]
