"""Read a task text, and plain-language feedback, into intents the composer can act on.

This is the one place that reads what a user typed: the offline designer composes its reward
from :func:`parse_task`, and :mod:`rewardsmith.envs.task_resolution` picks the env
(:func:`env_named_in`) and the built-in task whose fitness scores candidates from the same
reading, so a text cannot mean "backwards" to one and "forward" to the other. It reads text
only: it never looks at tasks or what scores them.

The offline designer has no language model, so it understands a fixed vocabulary: behaviours
(move, hop, jump, flip, spin/turn, stand, kneel, sit, lie, crouch, raise arms, balance),
directions and speeds, and the qualifiers that change what success means: a target speed
("at 1 m/s", "slowly"), one limb or a side ("on one leg", "left arm"), "in place", stillness
("stand still", "freeze"), which way to lie ("on its back") and whether the body must get low
(:attr:`TaskIntent.low`). Task resolution refuses a built-in fitness that does not measure a
qualifier the text carries, so every qualifier read here is one a fitness can be checked
against. It also reads feedback complaints ("falls over", "wrong direction", "jittery"). Body
and joint words ("left knee", "arms") are matched against the names and docs of the env
description, so only names the simulator really has come out. Anything it does not
understand it ignores; the offline designer then says what it could not express and stops
(unless ``--accept-approximation``, when the rationale names what was dropped).
:func:`env_facts` reads the few facts the defaults depend on (early
termination, standing height, action range) out of the description's summary and notes, the
same text an LLM designer would read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rewardsmith.envs.descriptions import EnvDescription

# Words that name a robot -> env id (checked in this order: "half cheetah" before "cheetah").
ENV_WORDS: list[tuple[str, str]] = [
    (r"half[\s_-]?cheetah|cheetah", "HalfCheetah-v5"),
    (r"hopper|one[\s-]legged", "Hopper-v5"),
    (r"walker|biped|two[\s-]legged", "Walker2d-v5"),
    (r"\bants?\b|quadruped|four[\s-]legged", "Ant-v5"),
    (r"humanoid|human|person", "Humanoid-v5"),
    (r"pendulum|pole|cart", "InvertedPendulum-v5"),
]

BEHAVIOURS = ("balance", "flip", "spin", "kneel", "sit", "lie", "crouch", "raise_arms", "stand",
              "jump", "move")
# Behaviours whose success has the body low or on the ground (see TaskIntent.low).
LOW_POSES = frozenset({"kneel", "sit", "lie", "crouch"})

_PATTERNS = {
    # The pole and the pendulum are only ever there to be balanced.
    "balance": r"\bbalanc\w*|\bpole\b|\bpendulum\b",
    "flip": r"\b(back|front)?\s?-?flip\w*|\bsomersault\w*",
    "spin": r"\b(spin\w*|turn(s|ing)?|rotat\w*|twirl\w*|pirouette\w*)\b",
    "kneel": r"\bkneel\w*|\bknelt\b",
    "sit": r"\bsit(s|ting)?\b|\bsat\b",
    "lie": r"\b(lie|lies|lying|lay|lays|laying)\b|\bplay(s|ing)? dead\b",
    "crouch": r"\bcrouch\w*|\bsquat\w*",
    "raise_arms": r"\b(rais\w*|lift\w*|put\w* up|hold\w* up|reach\w* up)\b.*\b(arms?|hands?)\b"
                  r"|\b(arms?|hands?) (up|above|over)\b",
    "stand": r"\bstand\w*|\bstood\b|\bget up\b",
    "jump": r"\bjump\w*|\bleap\w*",
    # Inflections are spelled out so that "hopper" or "walker" (env names) do not count.
    "move": r"\b(runs?|running|ran|walks?|walking|mov(e|es|ing)|go(es|ing)?|crawl(s|ing)?|"
            r"gallop(s|ing)?|sprint(s|ing)?|jog(s|ging)?|trot(s|ting)?|travel(s|ling)?|"
            r"hops?|hopping|locomot\w*|advanc(e|es|ing)|retreat(s|ing)?)\b",
}
_BACKWARD = (r"\bbackwards?\b|\bin reverse\b|\breverse\b|\bretreat\w*"
             r"|(run|walk|move|go|hop)s? back\b")
_FORWARD = r"\bforwards?\b|\bahead\b|\badvanc\w*"
_LEFT = r"\b(to the|towards the|to its) left\b|\bleftwards?\b|\bsideways\b|\blaterally\b"
_RIGHT = r"\b(to the|towards the|to its) right\b|\brightwards?\b"
_SPEED = r"(\d+(?:\.\d+)?)\s*(m/s|mps|met(er|re)s? (per|a) second)"
_FAST = r"\bfast\w*|\bquick\w*|\brapid\w*|\bsprint\w*|\bas fast as\b|\bspeed up\b"
_SLOW = r"\bslow(ly)?\b|\bgently\b|\bleisurely\b|\bcarefully\b|\bstroll\w*"
# Stillness: "stand still", "stay still", "don't move", "motionless", "freeze". "Don't move" is
# removed from the text before behaviours are read, so it is not a request to move.
# "Not moving its arms" is not stillness: a negated move with an object does not count.
_NOT_MOVING = (r"\b(do not|don'?t|does not|doesn'?t|never|not|without)\s+(move|moving)\b"
               r"(?!\s+(the|its|his|her|an?|any|one)\b)")
_STILL = (r"\b(stand\w*|stood|stay\w*|hold\w*|keep\w*|remain\w*|sit\w*|lie|lies|lying|be)"
          r"\s+(\w+\s+)?still\b|\bstock[- ]still\b|\bmotion ?less\b|\bimmobile\b|\bfreez\w*"
          r"|\bfroze\w*|" + _NOT_MOVING)
_IN_PLACE = r"\bin place\b|\bon the spot\b|\bstay\w* put\b"
# The body low or on the ground without a pose word: "get down", "fall safely", "crawl".
_LOW = (r"\bget(s|ting)? down\b|\bgo(es)? (down|low)\b|\bfall(s|ing)? (down|over|safely|gently|"
        r"softly)\b|\b(break|cushion)s? (its|the|his|her) fall\b|\bon all fours\b|\bcrawl\w*"
        r"|\broll(s|ing)? (over|onto)\b|\b(lower|drop)s? (itself|himself|herself|down)\b"
        r"|\bprone\b|\bsupine\b|\bface (up|down)\b")
_NEGATED = r"\b(without|not|never|don'?t|doesn'?t|no)\s+(\w+\s+)?$"
# Limbs a qualifier can pick out: "one leg", "left arm", "both knees".
_LIMB = r"(legs?|knees?|shins?|arms?|hands?|feet|foot)"
_LIMB_BASE = {"legs": "leg", "knees": "knee", "shins": "shin", "arms": "arm", "hands": "hand",
              "feet": "foot"}
_ONE_LIMB = (r"\b(one|a single|single|an?|its|his|her)\s+(left\s+|right\s+)?"
             r"(leg|knee|shin|arm|hand|foot)\b")
_TWO_LIMBS = (r"\b(both|two|2)\s+(of\s+(its|his|her|the)\s+)?" + _LIMB + r"\b"
              r"|\bleft and right\s+" + _LIMB + r"\b")
_SIDED_LIMB = r"\b(left|right)\s+" + _LIMB + r"\b"
_LIE_ON = {"back": r"\b(on|onto) (its|his|her|the) back\b|\bsupine\b|\bface up\b",
           "front": r"\b(on|onto) (its|his|her|the) (front|belly|stomach|face|chest)\b|\bprone\b"
                    r"|\bface down\b",
           "side": r"\b(on|onto) (its|his|her|the|one) side\b"}
_REQUEST = r"\b(should|must|want|make it|needs? to|also|instead|try to|please|rather)\b"

FEEDBACK_FLAGS = {
    "falls": r"\bfall(s|ing|en)?\b|\bfell\b|\btopples?\b|\btips? over\b|\bcollaps\w*|\bfalls? over",
    "on_back": r"\b(lands?|landing|ends?( up)?|lies|lying|stuck|stays?|is) on (its|his|her|the) "
               r"back\b|\bupside[- ]down\b",
    "flips": r"\bflip(s|ping|ped)?\b|\bsomersault\w*",
    "too_slow": r"\btoo slow\w*|\bfaster\b|\bnot fast enough\b|\bspeed up\b|\bsluggish\b",
    "too_fast": r"\btoo fast\b|\bslower\b|\bslow down\b|\btoo quick\w*",
    "jittery": r"\bjitter\w*|\bshak(y|es|ing)\b|\btrembl\w*|\bvibrat\w*|\bjerk\w*|\btwitch\w*",
    "wrong_direction": r"\bwrong (direction|way)\b|\bopposite (direction|way)\b|\bother way\b",
    "not_moving": r"\bnot moving\b|\bdoes(n'?t| not) move\b|\bstands? still\b|\bstuck\b|"
                  r"\bstays? (in place|put)\b|\bbarely moves?\b|\bno progress\b|\bdoes nothing\b",
    "crouching": r"\bcrouch\w*|\bsquat\w*|\btoo low\b|\bhunch\w*",
    "drifts": r"\bdrift\w*|\bwander\w*|\bslides? away\b|\bleaves? the (centre|center|spot)\b",
}

_PART_WORDS = {"knees": "knee", "knee": "knee", "hips": "hip", "hip": "hip", "ankles": "ankle",
               "ankle": "ankle", "feet": "foot", "foot": "foot", "arms": "arm", "arm": "arm",
               "forearms": "forearm", "forearm": "forearm", "hands": "hand", "hand": "hand",
               "elbows": "elbow", "elbow": "elbow", "shoulders": "shoulder",
               "shoulder": "shoulder", "legs": "leg", "leg": "leg", "shins": "shin",
               "shin": "shin", "thighs": "thigh", "thigh": "thigh", "torso": "torso",
               "waist": "waist", "pelvis": "pelvis"}
_SIDES = ("left", "right", "front", "back")


@dataclass(frozen=True)
class TaskIntent:
    """What a text asks for.

    Attributes:
        behaviours: recognised behaviours, in :data:`BEHAVIOURS` order.
        direction: +1 forward / -1 backward along ``axis``; 0 when the text names none.
        axis: ``"x"`` (forward/backward) or ``"y"`` (sideways).
        speed: ``"fast"``, ``"slow"``, ``"target"`` (a number was given) or None.
        target_speed: the number in m/s when ``speed == "target"``.
        rotation: +1 or -1: front flip / counter-clockwise spin is +1; 0 when unspecified.
        in_place: the text asks to stay on the spot ("in place", "on the spot").
        joints: joint names of the description the text mentions.
        bodies: body names of the description the text mentions.
        joint_goal: ``"straight"``, ``"bent"`` or None, for the mentioned joints.
        limb: the limb a count or side qualifies (``"leg"``, ``"knee"``, ``"arm"``, ``"hand"``,
            ``"foot"``), or None.
        limb_count: 1 ("on one leg", "its left arm", "a hand"), 2 ("both arms", "two legs") or
            None when the text does not say how many.
        side: ``"left"`` or ``"right"`` when the text names one side's limb ("right hand").
        still: the text asks for no motion ("stand still", "don't move", "motionless",
            "freeze"). A still text with no pose word reads as ``stand``.
        lie_on: ``"back"``, ``"front"`` or ``"side"``: which way to lie, when it says.
        low: success has the body low or on the ground: a low pose (kneel, sit, lie, crouch)
            or "get down", "fall safely", "crawl", "on all fours"... Early termination on a
            low torso would end such episodes (see :mod:`rewardsmith.envs.env_settings`).
    """

    behaviours: tuple[str, ...] = ()
    direction: int = 0
    axis: str = "x"
    speed: str | None = None
    target_speed: float | None = None
    rotation: int = 0
    in_place: bool = False
    joints: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    joint_goal: str | None = None
    limb: str | None = None
    limb_count: int | None = None
    side: str | None = None
    still: bool = False
    lie_on: str | None = None
    low: bool = False


@dataclass(frozen=True)
class FeedbackIntent:
    """What a plain-language comment on a rollout complains about or asks for.

    Attributes:
        flags: complaint keys of :data:`FEEDBACK_FLAGS` found in the text.
        request: behaviours, direction or speed the text asks for ("it should go backwards").
    """

    flags: frozenset[str] = frozenset()
    request: TaskIntent = field(default_factory=TaskIntent)


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def env_named_in(text: str) -> str | None:
    """The env id of the robot ``text`` names (:data:`ENV_WORDS`), or None when it names none.

    Returns None rather than raising so that the caller, which knows the registered envs, can
    say which ones exist.
    """
    t = _normalise(text)
    return next((env_id for pattern, env_id in ENV_WORDS if _has(pattern, t)), None)


def parse_task(text: str, description: EnvDescription | None = None) -> TaskIntent:
    """Read behaviours, direction, speed, qualifiers and named parts out of a task text."""
    t = _normalise(text)
    still = _has(_STILL, t)
    b_text = re.sub(_NOT_MOVING, " ", t)  # "don't move" is not "move"
    found = {b for b, pattern in _PATTERNS.items() if _has(pattern, b_text)}
    if "balance" in found and description is not None \
            and "pole_angle" not in description.field_names and "stand" not in found:
        found = (found - {"balance"}) | {"stand"}  # "balance on its legs" on a legged robot
    if "flip" in found:
        found.discard("spin")  # "flip and turn over" is one rotation
    if found & {"flip", "spin", "jump"} and not _has(_FORWARD + "|" + _BACKWARD, t):
        found.discard("move")  # "hop and spin" moves only if it says where to
    if still and not found:
        found = {"stand"}  # "stay still", "freeze", "don't move": stand without moving
    direction, axis = 0, "x"
    if _has(_BACKWARD, t):
        direction = -1
    elif _has(_FORWARD, t):
        direction = 1
    elif _has(_RIGHT, t):
        direction, axis = -1, "y"
    elif _has(_LEFT, t):
        direction, axis = 1, "y"
    speed, target = None, None
    match = re.search(_SPEED, t)
    if match:
        speed, target = "target", float(match.group(1))
    elif _has(_SLOW, t):
        speed = "slow"
    elif _has(_FAST, t):
        speed = "fast"
    # A side word before a limb ("left arm") says which limb, not which way to turn.
    rotation = _rotation_sign(re.sub(_SIDED_LIMB, " ", t), found)
    joints, bodies = match_parts(t, description) if description is not None else ((), ())
    joint_goal = "straight" if _has(r"\bstraight\w*", t) else (
        "bent" if _has(r"\bbend\w*|\bbent\b|\bflex\w*", t) else None)
    limb, limb_count, side = parse_limbs(t)
    lie_on = next((way for way, pattern in _LIE_ON.items() if _has(pattern, t)), None) \
        if "lie" in found or _has(r"\bprone\b|\bsupine\b", t) else None
    low = bool(found & LOW_POSES) or lie_on is not None or _has_unnegated(_LOW, t)
    return TaskIntent(tuple(b for b in BEHAVIOURS if b in found), direction, axis, speed,
                      target, rotation, _has(_IN_PLACE, t), joints, bodies, joint_goal,
                      limb, limb_count, side, still, lie_on, low)


def parse_limbs(text: str) -> tuple[str | None, int | None, str | None]:
    """The limb a text qualifies, how many (1, 2 or None) and which side (or None).

    "on one leg", "a hand", "its left arm" are one limb; "both knees", "two legs", "left and
    right arms" are two; "its arms" says nothing about how many. Words like "one-legged" (an
    env name) do not count: the number must stand apart from the limb.
    """
    t = _normalise(text)
    sides = {m.group(1) for m in re.finditer(_SIDED_LIMB, t)}
    two = re.search(_TWO_LIMBS, t)
    if two or len(sides) == 2:
        word = (two.group(4) or two.group(5)) if two else re.search(_SIDED_LIMB, t).group(2)
        return _LIMB_BASE.get(word, word), 2, None
    sided = re.search(_SIDED_LIMB, t)
    if sided:
        word = sided.group(2)
        return _LIMB_BASE.get(word, word), 1, sided.group(1)
    one = re.search(_ONE_LIMB, t)
    if one:
        return one.group(3), 1, None
    return None, None, None


def _has_unnegated(pattern: str, t: str) -> bool:
    """Whether ``pattern`` occurs in ``t`` other than after a negation ("without falling over")."""
    return any(not re.search(_NEGATED, t[:m.start()]) for m in re.finditer(pattern, t))


def _rotation_sign(t: str, found: set[str]) -> int:
    if "flip" in found:
        if _has(r"\bfront\s?-?flip\w*|\bforward flip\w*|\bflip\w* forward", t):
            return 1
        return -1  # a "flip" with no direction is a backflip, the common meaning
    if "spin" in found:
        if _has(r"\b(counter|anti)[- ]?clockwise\b|\bto the left\b|\bleft\b", t):
            return 1
        if _has(r"\bclockwise\b|\bto the right\b|\bright\b", t):
            return -1
    return 0


def parse_feedback(text: str, description: EnvDescription | None = None) -> FeedbackIntent:
    """Read complaints and requests out of plain-language feedback on a rollout.

    Requests are read only from sentences that ask for something ("it should ...", "make it
    ...", "... instead"), so a complaint like "it flips" is not taken as a wish to flip.
    """
    t = _normalise(text)
    flags = frozenset(key for key, pattern in FEEDBACK_FLAGS.items() if _has(pattern, t))
    asks = [s for s in re.split(r"[.;!?]|\bbut\b", t) if _has(_REQUEST, s)]
    request = parse_task(" . ".join(asks), description) if asks else TaskIntent()
    return FeedbackIntent(flags, request)


def match_parts(text: str, description: EnvDescription) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Joint and body names of ``description`` that phrases like "left knee" or "arms" denote.

    A phrase is an optional side word and a body-part word; a name matches when every word of
    the phrase occurs in the name or in its doc ("right_lower_arm": "... (forearm) ...").
    """
    words = re.findall(r"[a-z]+", _normalise(text))
    phrases = []
    for i, word in enumerate(words):
        part = _PART_WORDS.get(word)
        if part is None:
            continue
        side = words[i - 1] if i and words[i - 1] in _SIDES else None
        phrases.append((side, part))

    def matches(name: str, doc: str, side: str | None, part: str) -> bool:
        haystack = f" {name.replace('_', ' ')} {doc.lower()} "
        return f" {part}" in haystack and (side is None or f" {side} " in haystack)

    joints, bodies = [], []
    for side, part in phrases:
        for name in description.joint_names:
            if matches(name, description.joint_docs.get(name, ""), side, part) \
                    and name not in joints:
                joints.append(name)
        for name in description.body_names:
            if matches(name, description.body_docs.get(name, ""), side, part) \
                    and name not in bodies:
                bodies.append(name)
    return tuple(joints), tuple(bodies)


@dataclass
class EnvFacts:
    """What the composer reads off a description (nothing else about the env is known)."""

    fields: set[str]
    planar: bool
    terminates: bool
    height: float | None
    action_scale: float


def env_facts(description: EnvDescription) -> EnvFacts:
    """Read the few facts the defaults depend on from the description's fields and notes."""
    text = " ".join([description.summary, *description.notes]).lower()
    found = re.search(r"about (\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))? m high", text)
    height = None
    if found:
        height = (float(found.group(1)) + float(found.group(2) or found.group(1))) / 2
    bound = max((max(abs(a.low), abs(a.high)) for a in description.actions), default=1.0)
    terminates = re.search(r"ends? early", text) is not None and "no early termination" not in text
    return EnvFacts(set(description.field_names), "torso_pitch" in description.field_names,
                    terminates, height, max(len(description.actions), 1) * bound ** 2)
