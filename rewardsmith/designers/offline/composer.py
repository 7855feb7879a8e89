"""Choose reward terms and weights from intents and the env description, and render the module.

Every choice uses only fields, joints, bodies and contacts the description really has. The
rendered module follows the reward contract exactly (components already weighted, total = their
sum) and carries its own recipe as a one-line JSON header (:mod:`.program` renders and reads
it); feedback edits the terms in :mod:`.feedback_edits`.

The vocabulary (:data:`VOCABULARY`) is said out loud: a request that asks for something it
cannot express (an act no term covers, "sideways" for a planar body, a limb qualifier nothing
uses) stops with an :class:`OfflineDesignError` that lists it, unless the user accepts an
approximation, and then the rationale starts with what was dropped. Every height, width and
weight below is derived from the env description (its standing height, its good pace, its
body and contact names) and body proportions written next to it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from rewardsmith.designers.offline.body_parts import (
    asked_rise,
    knee_contacts,
    named_parts,
    reads_as_jump,
    side_of,
)
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

# Human-like proportions, as fractions of the standing torso (chest) height h the description
# gives ("standing, the torso is about 1.3-1.4 m high"). A person whose chest centre is at h
# stands about h / 0.78 tall, and body-proportion tables put the knee at about 0.28 of stature,
# the hip joint at about 0.53 and the upper arm's length at about 0.19. Only tall bodies (h of
# at least 1 m: the torso is a spine on two legs) kneel, sit or lie on their back like this.
KNEE_H = 0.36  # 0.28 / 0.78: the knee's height above the floor (shin plus foot)
HIP_H = 0.68  # 0.53 / 0.78: the hip joint's height
UPPER_ARM = 0.24  # 0.19 / 0.78: shoulder to elbow
TALL_BODY_M = 1.0
# One flip per second is a brisk pace: 2*pi rad/s about the pitch axis.
FLIP_RATE = 2 * math.pi


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


def _good_speed(description: EnvDescription) -> float:
    """The lower end of the speed the notes call good ("A good runner reaches 3-10 m/s"), else 1."""
    text = " ".join(description.notes).lower()
    found = re.search(r"good \w+ (?:reaches|moves at|runs at|walks at) (\d+(?:\.\d+)?)", text)
    return float(found.group(1)) if found else 1.0


def _stand_terms(facts: EnvFacts) -> list[TermChoice]:
    terms = [TermChoice("upright", "upright", 0.5)]
    if facts.height:
        terms.insert(0, TermChoice("height", "height", 1.0, "task", {"target": facts.height},
                                   {"shape": "ramp"}))
    return terms


def _pick(names: list[str], pattern: str) -> list[str]:
    return [n for n in names if re.search(pattern, n)]


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
    t = " ".join(text.lower().split())
    facts, notes, dropped = env_facts(description), [], []
    h = facts.height
    tall = bool(h and h >= TALL_BODY_M)
    contacts = description.contact_names
    feet = named_parts(description, contacts, "foot")
    # Per leg, the contacts that put its knee down: MuJoCo reports whichever of the shin and
    # thigh is thicker at the knee (on Walker2d only the thigh), so either one counts.
    knees = knee_contacts(description)
    behaviours = list(intent.behaviours)
    unsupported = sorted({m.group(0) for m in re.finditer(_UNSUPPORTED, t)})
    if unsupported:
        dropped.append(f"{', '.join(repr(u) for u in unsupported)} (no term expresses it)")
    cartwheel = bool(re.search(_CARTWHEEL, t))
    group = re.search(_LEG_GROUP, t)
    if reads_as_jump(intent, t):
        behaviours = [b for b in behaviours if b != "move"] + ["jump"]  # "hop in place"
    if not behaviours and not cartwheel and not group:
        if unsupported and intent.limb in ("arm", "hand") and accept_approximation:
            behaviours = ["raise_arms"]  # "wave the right hand": the nearest is raising it
            notes.append("nearest expressible: raising that arm")
        else:
            default = "balance" if "pole_angle" in facts.fields else "stand" if h else "move"
            if not unsupported:
                dropped.append(f"the request itself: no behaviour in {text.strip()!r} is in the "
                               f"vocabulary")
            behaviours = [default]
            notes.append(f"nothing expressible left: defaulting to {default}")
    terms: list[TermChoice] = []
    extras: list[TermChoice] = [TermChoice("joint_speed", "joint_speed_cost", 0.001, "cost")]
    # Poses: full effort on every actuator costs 30% of a fully met pose term (1.0), enough to
    # discourage straining against the floor without making doing nothing the best pose.
    cost_level, locomotes = 0.3, False
    limb_used = intent.limb is None
    posed = {"stand", "kneel", "sit", "raise_arms", "lie", "crouch"} & set(behaviours) \
        or bool(group)
    allowed: set[str] | None = None  # contacts a pose may have on the floor (None: no penalty)
    if "balance" in behaviours and "pole_angle" in facts.fields:
        terms += [TermChoice("upright", "pole_upright", 1.0, "task"),
                  TermChoice("centred", "cart_centre", 0.05)]
        cost_level = 0.003
    if "move" in behaviours:
        locomotes, axis, sign = True, intent.axis, intent.direction or 1
        if not intent.direction:
            notes.append("no direction given: forward")
        if axis == "y" and facts.planar:
            dropped.append(f"sideways motion ({description.env_id} is planar: it moves only "
                           f"along x; approximated by forward)")
            axis, sign = "x", 1
        name = {("x", 1): "forward", ("x", -1): "backward", ("y", 1): "left",
                ("y", -1): "right"}[axis, sign]
        good = _good_speed(description)
        if intent.speed in ("slow", "target"):
            # "Slowly" is a quarter to a half of what the notes call a good pace: aim at the
            # middle (3/8). The band is a quarter of the asked speed either way (at least
            # 0.25 m/s: a stride's own fluctuation).
            speed = intent.target_speed or 0.375 * good
            good = speed
            terms.append(TermChoice(name, "target_speed", 1.0, "task", {"speed": speed,
                         "width": max(0.25, 0.25 * speed)}, {"axis": axis, "sign": sign}))
        else:
            terms.append(TermChoice(name, "velocity", 1.0, "task", {},
                                    {"axis": axis, "sign": sign}))
        # Full effort costs a tenth of what moving at a good pace pays.
        cost_level = 0.1 * good
        if not facts.terminates and "torso_up" in facts.fields and not intent.low:
            # It cannot fall into a terminal state and "may end up on its back and keep going":
            # moving on its back is not what was asked. A tenth of the good pace, as shaping.
            terms.append(TermChoice("upright", "upright", round(0.1 * good, 3)))
        if intent.limb in ("leg", "foot") and intent.limb_count == 1:
            limb_used = True
            if len(feet) == 1:
                notes.append(f"{description.env_id} has one leg: it always moves on one leg")
            elif len(feet) == 2:
                other = [f for f in feet if intent.side and side_of(description, f) != intent.side]
                if other:  # "hop on the left leg": the right foot never touches
                    terms.append(TermChoice("other_foot_up", "contact", 1.0, "task", {},
                                            {"bodies": other, "mode": "penalty"}))
                else:  # "hop on one leg": never both feet down at once
                    terms.append(TermChoice("one_leg", "contact", 1.0, "task", {},
                                            {"bodies": feet, "mode": "not_all"}))
            else:
                limb_used = False
    if "flip" in behaviours or "spin" in behaviours or cartwheel:
        locomotes = True
        if cartwheel:
            if facts.planar:
                dropped.append(f"the cartwheel ({description.env_id} is planar: it rotates only "
                               f"about y; approximated by a flip)")
                behaviours.append("flip")
            else:
                # A cartwheel rolls the body sideways like a wheel: travelling left (+y) with the
                # head leading over means turning about the forward axis with omega_x < 0.
                way = -1 if intent.axis == "y" and intent.direction < 0 else 1
                terms.append(TermChoice("cartwheel", "rotation", 1.0, "task", {},
                                        {"axis": "x", "sign": -way}))
                terms.append(TermChoice("sideways", "velocity", 0.5, "task", {},
                                        {"axis": "y", "sign": way}))
                cost_level = 0.1 * FLIP_RATE
        if "flip" in behaviours:
            sign = intent.rotation or -1
            terms.append(TermChoice("flip", "rotation", 1.0, "task", {},
                                    {"axis": "y", "sign": sign}))
            cost_level = 0.1 * FLIP_RATE  # full effort costs a tenth of a flip per second
        elif "spin" in behaviours:
            if facts.planar:
                dropped.append(f"turning ({description.env_id} is planar: it cannot turn about "
                               f"the vertical)")
            else:
                if not intent.rotation:
                    notes.append("no turning direction given: counter-clockwise")
                terms.append(TermChoice("spin", "rotation", 1.0, "task", {},
                                        {"axis": "z", "sign": intent.rotation or 1}))
                terms.append(TermChoice("still", "still", 0.5 if intent.in_place else 0.1))
                cost_level = 0.1  # full effort costs a tenth of turning at 1 rad/s
        if h:
            extras.append(TermChoice("height", "height", 0.2, "shaping", {"target": h},
                                     {"shape": "ramp"}))
    if "jump" in behaviours:
        locomotes = True
        terms.append(TermChoice("jump", "velocity", 1.0, "task", {},
                                {"axis": "z", "sign": 1, "positive_only": True}))
        if h:
            rise = asked_rise(t, h)[0]  # the asked rise, else a fifth of the standing height
            terms.append(TermChoice("jump_height", "height", 1.0, "task",
                                    {"target": h, "width": rise}, {"shape": "above"}))
        if intent.in_place:  # "hop in place": up and down, not across the floor
            terms.append(TermChoice("still", "still", 0.5, "task"))
    upper = _pick(contacts, r"torso|waist|pelvis|chest|head")
    if group:
        which = "front" if group.group(2) == "front" else "back"
        on = [c for c in named_parts(description, contacts, which) if c in feet
              or re.search(r"lower leg|foot", description.body_docs.get(c, ""))]
        if on and "contacts" in facts.fields:
            members = named_parts(description, contacts, which)
            terms.append(TermChoice(f"on_{which}_legs", "contact", 1.0, "task", {},
                                    {"bodies": on, "mode": "reward"}))
            terms.append(TermChoice("rest_up", "contact", 1.0, "task", {},
                                    {"bodies": [c for c in contacts if c not in members],
                                     "mode": "penalty"}))
            if h:  # held up by those legs: the torso's centre off the floor, half its height
                terms.append(TermChoice("height", "height", 0.3, "shaping",
                                        {"target": 0.5 * h}, {"shape": "ramp"}))
            behaviours = [b for b in behaviours if b != "stand"]
            limb_used = True
        else:
            dropped.append(f"'on its {group.group(2)} legs' ({description.env_id} has no "
                           f"{which} legs in its description)")
    if {"kneel", "sit", "lie", "crouch"} & set(behaviours) and not tall:
        what = sorted({"kneel", "sit", "lie", "crouch"} & set(behaviours))
        if "lie" in what and h:
            what.remove("lie")
        if what:
            dropped.append(f"{'/'.join(what)} (a pose of a tall body on two legs; "
                           f"{description.env_id}'s torso stands about {h or 0:g} m high)")
            behaviours = [b for b in behaviours if b not in what]
    if "kneel" in behaviours:
        if intent.limb in ("knee", "shin", "leg") and intent.limb_count == 1:
            limb_used, mode = True, "one"
        else:
            limb_used, mode = limb_used or intent.limb in ("knee", "shin", "leg"), "reward"
        if len(knees) == 2:
            partners = {"partners": [k[1] for k in knees]} if all(len(k) == 2 for k in knees) \
                else {}
            terms.append(TermChoice("knees", "contact", 1.0, "task", {},
                                    {"bodies": [k[0] for k in knees], **partners, "mode": mode}))
        else:
            dropped.append("the knees on the floor (no two shin contacts in the description)")
        terms.append(TermChoice("upright", "upright", 1.0))
        # Kneeling upright, the thighs stand on the knees: the chest is lower than standing by
        # the knee's height (KNEE_H * h). A kneeler may sit back towards its heels, up to a
        # thigh's length (HIP_H - KNEE_H) lower still: half of that is the tolerance.
        terms.append(TermChoice("height", "height", 1.0, "task",
                                {"target": (1 - KNEE_H) * h, "width": 0.5 * (HIP_H - KNEE_H) * h},
                                {"shape": "gaussian"}))
        allowed = set(sum(knees, [])) | set(feet)  # kneeling: only knees and feet touch
    if "sit" in behaviours:
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
        allowed = set(contacts) - (set(upper) - set(seat))
    if "crouch" in behaviours:
        terms.append(TermChoice("upright", "upright", 0.5))
        # Squatting with the thighs about level, the hip joint is at knee height and the chest
        # (1 - HIP_H) h above it; a half crouch tilts forward a little: width half a thigh.
        terms.append(TermChoice("height", "height", 1.0, "task",
                                {"target": (KNEE_H + 1 - HIP_H) * h,
                                 "width": 0.5 * (HIP_H - KNEE_H) * h}, {"shape": "gaussian"}))
        if feet:
            terms.append(TermChoice("feet_down", "contact", 0.5, "task", {},
                                    {"bodies": feet, "mode": "reward"}))
        allowed = set(feet)  # a crouch is on the feet: anything else down is a fall
    if "lie" in behaviours:
        _lie(intent, description, facts, tall, terms, dropped)
    if "raise_arms" in behaviours:
        pairs = _arm_pairs(description)
        if not pairs:
            dropped.append("raising the arms (no upper and lower arm bodies in the description)")
        else:
            up = sorted(pairs)
            if intent.limb in ("arm", "hand"):
                limb_used = True
                if intent.limb_count == 1:
                    side = intent.side or "right"
                    if not intent.side:
                        notes.append("one arm, side not given: the right arm")
                    up = [side] if side in pairs else up
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
        if not {"kneel", "sit", "crouch", "lie"} & set(behaviours):
            terms += _stand_terms(facts)
            allowed = set(feet) if allowed is None else allowed
    if "stand" in behaviours:
        terms += _stand_terms(facts)
        terms.append(TermChoice("still", "still", 0.5 if intent.still else 0.05,
                                "task" if intent.still else "shaping"))
        if intent.limb in ("leg", "foot") and intent.limb_count == 1:
            limb_used = True
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
                limb_used = False
        elif intent.limb in ("leg", "foot") and intent.limb_count == 2:
            limb_used = True  # "stand on both legs" is standing
        if allowed is None and feet:
            allowed = set(feet)
    if intent.still and not {"stand"} & set(behaviours) and not locomotes:
        terms.append(TermChoice("still", "still", 0.5, "task"))
    if intent.joints and intent.joint_goal:
        limb_used = True  # "keep the left knee straight": the joint term below uses it
    if not limb_used:
        dropped.append(f"the {intent.side + ' ' if intent.side else ''}{intent.limb} qualifier "
                       f"(nothing in this request uses it)")
    if posed and allowed is not None and not locomotes and "contacts" in facts.fields:
        down = [c for c in contacts if c not in allowed]
        if down:
            (terms if behaviours != ["stand"] or intent.limb else extras).append(
                TermChoice("body_down", "contact", 1.0, "shaping", {},
                           {"bodies": down, "mode": "penalty"}))
    if intent.joints and intent.joint_goal:
        target = 0.0 if intent.joint_goal == "straight" else _bent_angle(intent.joints[0],
                                                                          description)
        terms.append(TermChoice("joint_pose", "joint_target", 0.5, "shaping",
                                {"target": target}, {"joints": list(intent.joints)}))
    if locomotes and facts.terminates:
        # The episode can end early: pay for staying healthy and keep the shaping mild.
        terms.append(TermChoice("alive", "alive", 1.0))
        if "torso_up" in facts.fields and "flip" not in behaviours and not cartwheel:
            terms.append(TermChoice("upright", "upright", 0.1))
        if h and "jump" not in behaviours:
            terms.append(TermChoice("height", "height", 0.1, "shaping",
                                    {"target": h}, {"shape": "ramp"}))
        cost_level = 0.003
    terms.append(_cost(facts, cost_level))
    if facts.terminates and not posed:  # pose tasks never end early
        extras.append(TermChoice("alive", "alive", 1.0))
    terms = usable(_dedupe(terms), description)
    if dropped and not accept_approximation:
        raise OfflineDesignError(
            f"the offline designer cannot express {'; '.join(dropped)} in {text.strip()!r} on "
            f"{description.env_id}. It understands: {VOCABULARY}. Rephrase within that, use an "
            f"LLM designer (--model), or pass --accept-approximation to train the nearest reward "
            f"it can compose (it then lists what it dropped).")
    if dropped and not any(t.role == "task" for t in terms):
        default = "balance" if "pole_angle" in facts.fields else "stand" if h else "move"
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
    return Plan(terms, [e for e in usable(_dedupe(extras), description) if e.name not in names],
                notes, dropped)


def _lie(intent: TaskIntent, description: EnvDescription, facts: EnvFacts, tall: bool,
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
        | set(description.contact_names)
    return [t for t in terms if set(get_term(t.term).needs) <= fields
            and all(n in known for key in NAME_KEYS for n in t.options.get(key, []))]
