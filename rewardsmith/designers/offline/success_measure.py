"""The offline designer's success measure: a ``fitness.py`` composed from the parsed request.

Written before any reward and apart from the reward's terms (:mod:`.composer`): it reads only
the request (:func:`rewardsmith.envs.intent.parse_task`) and the environment description
(:func:`rewardsmith.envs.intent.env_facts`: the standing height, the speeds the notes call good;
its field, body and contact names and docs), never a built-in task. It reads the body the way
the reward composer does (:mod:`.body_parts`: Walker2d's shins are ``leg`` and ``leg_left``,
found by their docs; "hop in place" is a jump; the rise a jump asks for), so the measure checks
what the reward asked for.

This module only picks the kind of request and assembles the program; each kind is written in
its own module, with its physical reasoning next to it: held poses (:mod:`.pose_measures`),
held paces (:mod:`.motion_measures`) and momentary acts repeated (:mod:`.act_measures`), all
with the kit in :mod:`.measure_writing`. The public names stay importable from here.

What it cannot measure it says, and the user passes ``--fitness FILE`` or ranks videos
(``--feedback preference``): raising arms on a body whose description has no hand positions
(every one but the humanoid) or in a low pose, a flip of a
3-D body (its pitch axis turns with its heading), turning or sideways motion of a planar body,
stepping "in place", and anything on a body whose state has no torso (InvertedPendulum: there
it measures balancing the pole). A measure never reads a field the description does not list.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from rewardsmith.designers.offline.act_measures import (
    FLIGHT_SHARE,
    FLIP_CYCLE_MEAN,
    FLIP_THRESHOLD,
    JUMP_THRESHOLD,
    flip,
    jump,
)
from rewardsmith.designers.offline.body_parts import hands_and_head, reads_as_jump
from rewardsmith.designers.offline.measure_writing import (
    MEASURABLE,
    MOVE_THRESHOLD,
    POSE_THRESHOLD,
    Measure,
    MeasureNotExpressible,
    refuse,
)
from rewardsmith.designers.offline.motion_measures import locomotion
from rewardsmith.designers.offline.pose_measures import (
    TALL_BODY_M,
    arms_up,
    balance,
    joint_goal,
    low_pose,
    stand,
)
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent, env_facts, parse_task

__all__ = ["FLIGHT_SHARE", "FLIP_CYCLE_MEAN", "FLIP_THRESHOLD", "JUMP_THRESHOLD", "MEASURABLE",
           "MOVE_THRESHOLD", "POSE_THRESHOLD", "TALL_BODY_M", "MeasureNotExpressible",
           "WrittenMeasure", "compose_success_measure"]


@dataclass(frozen=True)
class WrittenMeasure:
    """A composed ``fitness.py`` and what it says in words."""

    source: str
    threshold: float
    summary: str


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
    m = Measure()
    threshold = _compose(text, intent, behaviours, description, facts, m)
    if intent.joints and intent.joint_goal is not None:
        joint_goal(intent, m)
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
             facts: EnvFacts, m: Measure) -> float:
    """Write the behaviour's factors into ``m`` and return the success threshold."""
    env = description.env_id
    if "raise_arms" in behaviours:
        reach = hands_and_head(description)
        if reach is None:
            raise refuse("raising arms", f"{env}'s description gives no hand positions (at "
                                         f"most the elbow frames), so it cannot tell a hand "
                                         f"above the head")
        if behaviours & {"sit", "lie", "crouch", "kneel"}:
            raise refuse("raising arms in a low pose", "it measures raised arms standing")
        return arms_up(intent, description, facts, reach, m)
    if "balance" in behaviours and "pole_angle" in facts.fields:
        return balance(intent, m, facts)
    if not {"torso_height", "torso_velocity"} <= facts.fields:
        raise refuse(repr(text.strip()), f"{env}'s state has no torso (its fields: "
                                         f"{', '.join(description.field_names)}), and every "
                                         f"measure but balancing a pole reads the torso")
    if "flip" in behaviours:
        return flip(intent, description, facts, m)
    if "jump" in behaviours:
        return jump(text, intent, behaviours, description, facts, m)
    if ("move" in behaviours and not intent.still) or "spin" in behaviours:
        return locomotion(text, intent, behaviours, description, facts, m)
    if behaviours & {"sit", "lie", "crouch", "kneel"}:
        return low_pose(intent, behaviours, description, facts, m)
    if "stand" in behaviours or intent.still:
        return stand(intent, description, facts, m)
    raise MeasureNotExpressible(
        f"the offline designer found no behaviour it can measure in {text!r}; it understands "
        f"{MEASURABLE}. Pass --fitness FILE or --feedback preference")


def _check_fields(m: Measure, description: EnvDescription) -> None:
    """Every ``next_state.<field>`` the measure reads is one the description lists."""
    read = set(re.findall(r"next_state\.(\w+)", "\n".join(m.lines)))
    missing = sorted(read - set(description.field_names))
    if missing:
        raise refuse("this request", f"it would read {', '.join(missing)}, which "
                                     f"{description.env_id}'s state lacks (its fields: "
                                     f"{', '.join(description.field_names)})")
    names = set(re.findall(r"next_state\.contacts\['(\w+)'\]", "\n".join(m.lines)))
    if names - set(description.contact_names):
        unknown = ", ".join(sorted(names - set(description.contact_names)))
        raise refuse("this request", f"{description.env_id} reports no contact for {unknown}")
