"""The success measure of a held pose: standing, sitting, kneeling, crouching, lying, balancing.

A pose is held, so its measure is a product of factors in [0, 1] (every condition at once) and
its threshold (:data:`.measure_writing.POSE_THRESHOLD`) asks for it over most of the episode.
Every constant is physical reasoning about the body, written next to it. A knee on the floor is
its shin's or its thigh's contact (:func:`.body_parts.knee_contacts`): both end at the knee,
and the thicker one is what the simulator reports (on Walker2d, the thigh). A crouch is on the
feet with no knee down, so it is told apart from a kneel wherever contacts are reported. A
one-legged body (Hopper) standing "on one leg" is simply standing: its only way to stand. On a
body whose state has no torso (InvertedPendulum) the only pose is a balanced pole.
"""

from __future__ import annotations

from rewardsmith.designers.offline.body_parts import (
    TALL_BODY_M,
    knee_contacts,
    named_parts,
    side_of,
)
from rewardsmith.designers.offline.measure_writing import (
    POSE_THRESHOLD,
    Measure,
    any_down,
    contact_flags,
    mean_down,
    refuse,
    standing_height,
    stay_in_place,
)
from rewardsmith.envs.body_proportions import UPPER_ARM
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent


def balance(intent: TaskIntent, m: Measure, facts: EnvFacts) -> float:
    """The pole near upright (and the cart still, when asked); returns the threshold."""
    m.factor("pole", "pole near upright",
             "# Balanced: the pole within about 0.2 rad (11 degrees) of upright, full score only "
             "when it is straight up.",
             "pole = np.clip(1.0 - np.abs(next_state.pole_angle) / 0.2, 0.0, 1.0)")
    if (intent.still or intent.in_place) and "cart_velocity" in facts.fields:
        m.factor("still", "cart staying in place",
                 "# Still: the cart slower than about 0.2 m/s (balancing nudges it a little).",
                 "still = np.clip(1.0 - np.abs(next_state.cart_velocity) / 0.2, 0.0, 1.0)")
    return POSE_THRESHOLD


def stand(intent: TaskIntent, description: EnvDescription, facts: EnvFacts, m: Measure) -> float:
    """Standing tall and upright (on one leg, still, when asked); returns the threshold."""
    h = standing_height(facts, description.env_id)
    m.factor("tall", f"torso near its standing height {h:.2f} m",
             f"# Standing: the torso within 15% of its standing height ({h:.2f} m, from "
             f"the description).",
             f"tall = np.clip(1.0 - np.abs(next_state.torso_height - {h:.3f}) / "
             f"{0.15 * h:.3f}, 0.0, 1.0)")
    if "torso_up" in facts.fields:
        m.factor("upright", "upright",
                 "upright = np.clip((next_state.torso_up - 0.5) / 0.4, 0.0, 1.0)")
    if intent.limb in ("leg", "foot") and intent.limb_count == 1:
        one_foot(intent, description, m)
    stay_in_place(intent, m, 0.2)
    return POSE_THRESHOLD


def arms_up(intent: TaskIntent, description: EnvDescription, facts: EnvFacts,
            reach: tuple[dict[str, str], tuple[str, float]], m: Measure) -> float:
    """Standing with both hands, or the named one (else the right), above the top of the head;
    with one hand up the other stays below it. Returns the threshold.

    "Above the head" is read as the description gives it: a hand's centre higher than the head
    sphere's top (its centre plus its radius). A raised arm is held standing: the stand factors
    come first (a body lying down with its arms stretched "up" past its head has not raised them).
    """
    hands, (head, radius) = reach
    up = sorted(hands)
    if intent.limb in ("arm", "hand") and intent.limb_count == 1:
        up = [intent.side or "right"]
    stand(intent, description, facts, m)
    h = standing_height(facts, description.env_id)
    arm = 2 * UPPER_ARM * h  # shoulder to hand: two upper-arm lengths
    m.lines.append(f"head_top = next_state.geom_positions[{head!r}][:, 2] + {radius:g}  "
                   f"# the head is a sphere of radius {radius:g} m")
    heights = [f"next_state.geom_positions[{hands[s]!r}][:, 2]" for s in up]
    said = (f"the {up[0]} hand above the top of the head" if len(up) == 1
            else "both hands above the top of the head")
    m.factor("hands_up", said,
             "# Hands up: each hand's centre above the top of the head. A tenth of the score "
             "rises",
             f"# with the hands' height over the last arm's length ({arm:.2f} m) below that "
             f"top, so",
             "# that a raise measures something before it succeeds; held just below the top "
             "the",
             "# step scores at most 0.09, so the threshold still asks for the hands above it.",
             f"above = ({' & '.join(f'({z} > head_top)' for z in heights)}).astype(float)",
             f"near = np.mean(np.stack([np.clip(1.0 - (head_top - z) / {arm:.3f}, 0.0, 1.0) "
             f"for z in ({', '.join(heights)},)]), axis=0)",
             "hands_up = (above + 0.1 * near) / 1.1")
    down = [s for s in hands if s not in up]
    if down:
        m.factor("other_down", f"the {down[0]} hand below it",
                 "# One arm up: the other hand stays below the top of the head.",
                 f"other_down = (next_state.geom_positions[{hands[down[0]]!r}][:, 2] <= "
                 f"head_top).astype(float)")
    return POSE_THRESHOLD


def low_pose(intent: TaskIntent, behaviours: set[str], description: EnvDescription,
             facts: EnvFacts, m: Measure) -> float:
    """Sitting, kneeling, crouching or lying (still, when asked); returns the threshold."""
    _low_pose(intent, behaviours, standing_height(facts, description.env_id), description, m)
    stay_in_place(intent, m, 0.2)
    return POSE_THRESHOLD


def _low_pose(intent: TaskIntent, behaviours: set[str], h: float, description: EnvDescription,
              m: Measure) -> None:
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
                 f"on_feet = {mean_down(feet)} * (1.0 - {any_down(sum(knees, []))})")
    if "kneel" in behaviours:
        _knees(intent, description, knees, m)


def _knees(intent: TaskIntent, description: EnvDescription, knees: list[list[str]],
           m: Measure) -> None:
    if not knees:
        raise refuse("kneeling", f"{description.env_id} reports no shin (knee) contact")
    # Low and upright with the knees up is a quarter of a kneel: it tells a body getting there
    # from one lying on the floor, and never passes (0.25 < the threshold).
    part = ("Low and upright with the knees up earns a quarter (never a success). A knee is "
            "down when its shin or its thigh touches the floor (both end at the knee).")
    if len(knees) == 1:
        m.factor("knees", "its knee on the floor",
                 f"# Its only knee down. {part}", f"knees = 0.25 + 0.75 * {any_down(knees[0])}")
        return
    each = [f"knee_{i} = {any_down(k)}  # {' or '.join(k)}" for i, k in enumerate(knees[:2])]
    if intent.limb in ("knee", "shin", "leg") and intent.limb_count == 1:
        m.factor("knees", "exactly one knee on the floor",
                 f"# One knee down: exactly one touches the floor. {part}", *each,
                 "knees = 0.25 + 0.75 * np.abs(knee_0 - knee_1)")
    else:
        m.factor("knees", "both knees on the floor", f"# Both knees down. {part}", *each,
                 "knees = 0.25 + 0.75 * knee_0 * knee_1")


def _lie(intent: TaskIntent, h: float, description: EnvDescription, m: Measure) -> None:
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


def joint_goal(intent: TaskIntent, m: Measure) -> None:
    """The named joints straight (near their rest angle) or bent, as the request says."""
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


def one_foot(intent: TaskIntent, description: EnvDescription, m: Measure,
             moving: bool = False) -> None:
    """On one leg, or on the named one; a one-legged body always is (nothing to add)."""
    contacts = list(description.contact_names) if "contacts" in description.field_names else []
    feet = named_parts(description, contacts, "foot")  # the reward composer's lookup
    if len(feet) == 1:
        m.said.append(f"on its only leg ({description.env_id} has one leg: standing or moving "
                      f"at all is on one leg)")
        return
    if len(feet) != 2:
        raise refuse("'on one leg'", f"{description.env_id} does not report two feet's "
                                     f"contacts")
    on = [f for f in feet if intent.side and side_of(description, f) == intent.side]
    if on:
        other = [f for f in feet if f not in on]
        if moving:  # a hop leaves the floor: only the other foot down breaks it
            m.factor("one_foot", f"the {intent.side} leg only: the other foot never down",
                     f"# On the {intent.side} leg while moving: the other foot never touches.",
                     f"one_foot = 1.0 - {contact_flags(other)[0]}")
        else:
            m.factor("one_foot", f"{intent.side} foot down and the other up",
                     f"# On the {intent.side} leg: that foot on the floor, the other off it.",
                     f"one_foot = {contact_flags(on)[0]} * (1.0 - {contact_flags(other)[0]})")
        return
    a, b = contact_flags(feet)
    if moving:  # a hop leaves the floor: only both feet down at once breaks "one leg"
        m.factor("one_foot", "never both feet on the floor",
                 "# On one leg while moving: never both feet on the floor at once.",
                 f"one_foot = 1.0 - {a} * {b}")
    else:
        m.factor("one_foot", "exactly one foot on the floor",
                 "# On one leg: exactly one foot touches the floor.",
                 f"one_foot = np.abs({a} - {b})")
