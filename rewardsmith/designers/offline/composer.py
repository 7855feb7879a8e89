"""Choose reward terms and weights from intents and the env description, and render the module.

Every choice uses only fields, joints, bodies and contacts the description really has. The
rendered module follows the reward contract exactly (components already weighted, total = their
sum) and carries its own recipe as a one-line JSON header, ``# rewardsmith-offline: {...}``, so a
later iteration, or a resumed run that has only ``reward.py`` on disk, can recover the terms.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from rewardsmith.designers.offline.terms import TermChoice, get_term, round_sig
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, FeedbackIntent, TaskIntent, env_facts
from rewardsmith.errors import RewardsmithError

HEADER = "# rewardsmith-offline: "
_OPPOSITE = {"forward": "backward", "backward": "forward", "left": "right", "right": "left"}


class OfflineDesignError(RewardsmithError):
    """The term library cannot express a reward for this env or this source."""


@dataclass
class Plan:
    """The default reward for an intent, plus optional terms variants may try."""

    terms: list[TermChoice]
    extras: list[TermChoice]
    notes: list[str]


def _cost(facts: EnvFacts, level: float) -> TermChoice:
    # Scaled by the largest possible sum of squared actions: 0.6 gives HalfCheetah 0.1.
    return TermChoice("action_cost", "action_cost", level / facts.action_scale, "cost")


def _stand_terms(facts: EnvFacts) -> list[TermChoice]:
    terms = [TermChoice("upright", "upright", 0.5)]
    if facts.height:
        terms.insert(0, TermChoice("height", "height", 1.0, "task", {"target": facts.height},
                                   {"shape": "ramp"}))
    return terms


def _pick(names: list[str], pattern: str) -> list[str]:
    return [n for n in names if re.search(pattern, n)]


def compose(intent: TaskIntent, description: EnvDescription) -> Plan:
    """Choose the default terms for ``intent`` on ``description`` (candidate 0's reward).

    Raises:
        OfflineDesignError: the description lacks every field the needed terms read.
    """
    facts, notes = env_facts(description), []
    behaviours = list(intent.behaviours)
    if not behaviours:
        behaviours = ["balance"] if "pole_angle" in facts.fields else ["move"]
        notes.append(f"no behaviour recognised in the text; defaulting to {behaviours[0]}")
    terms: list[TermChoice] = []
    extras: list[TermChoice] = [TermChoice("joint_speed", "joint_speed_cost", 0.001, "cost")]
    cost_level, locomotes = 0.3, False
    bodily = {"stand", "kneel", "sit", "raise_arms"}
    if "balance" in behaviours and "pole_angle" in facts.fields:
        terms += [TermChoice("upright", "pole_upright", 1.0, "task"),
                  TermChoice("centred", "cart_centre", 0.05)]
        cost_level = 0.003
    if "move" in behaviours:
        locomotes, axis, sign = True, intent.axis, intent.direction or 1
        if axis == "y" and facts.planar:
            axis = "x"
            notes.append("the robot is planar: sideways motion mapped to the x axis")
        name = {("x", 1): "forward", ("x", -1): "backward", ("y", 1): "left",
                ("y", -1): "right"}[axis, sign]
        if intent.speed in ("slow", "target"):
            speed = intent.target_speed or 0.5
            terms.append(TermChoice(name, "target_speed", 1.0, "task", {"speed": speed,
                         "width": max(0.25, 0.3 * speed)}, {"axis": axis, "sign": sign}))
        else:
            terms.append(TermChoice(name, "velocity", 1.0, "task", {},
                                    {"axis": axis, "sign": sign}))
        cost_level = 0.6
    if "flip" in behaviours or "spin" in behaviours:
        locomotes = True
        flip = "flip" in behaviours
        axis = "y" if flip or facts.planar else "z"
        sign = intent.rotation or (-1 if flip else 1)
        terms.append(TermChoice("flip" if flip else "spin", "rotation", 1.0, "task", {},
                                {"axis": axis, "sign": sign}))
        if not flip and axis == "z":
            terms.append(TermChoice("still", "still", 0.5 if intent.in_place else 0.1))
        if facts.height:
            extras.append(TermChoice("height", "height", 0.2, "shaping", {"target": facts.height},
                                     {"shape": "ramp"}))
    if "jump" in behaviours:
        locomotes = True
        terms.append(TermChoice("jump", "velocity", 1.0, "task", {},
                                {"axis": "z", "sign": 1, "positive_only": True}))
    contacts = description.contact_names
    upper = _pick(contacts, r"torso|waist|pelvis|chest|head")
    if "kneel" in behaviours:
        knees = [n for n in contacts if "shin" in n or "knee" in description.body_docs.get(n, "")]
        if knees:
            terms.append(TermChoice("knees", "contact", 1.0, "task", {},
                                    {"bodies": knees, "mode": "reward"}))
        else:
            notes.append("no shin or knee body in the description: kneeling uses height only")
        terms.append(TermChoice("upright", "upright", 1.0))
        if facts.height:
            terms.append(TermChoice("height", "height", 1.0, "task",
                                    {"target": 0.62 * facts.height, "width": 0.15},
                                    {"shape": "gaussian"}))
    if "sit" in behaviours:
        terms.append(TermChoice("upright", "upright", 1.0))
        if facts.height:
            terms.append(TermChoice("height", "height", 1.0, "task",
                                    {"target": 0.45 * facts.height, "width": 0.15},
                                    {"shape": "gaussian"}))
        seat = _pick(contacts, r"pelvis|hip|butt")
        if seat:
            terms.append(TermChoice("seated", "contact", 0.5, "task", {},
                                    {"bodies": seat, "mode": "reward"}))
            upper = [n for n in upper if n not in seat]
    if "raise_arms" in behaviours:
        arms = [b for b in intent.bodies if re.search(r"lower|fore|hand", b)] \
            or [b for b in intent.bodies if "arm" in b] \
            or _pick(description.body_names, r"lower_arm|forearm|hand")
        if arms:
            terms.append(TermChoice("arms", "body_above", 1.0, "task", {},
                                    {"bodies": arms}))
        else:
            notes.append("no arm bodies in the description: cannot reward raised arms")
        if "kneel" not in behaviours and "sit" not in behaviours:
            terms += _stand_terms(facts)
    if "stand" in behaviours:
        terms += _stand_terms(facts) + [TermChoice("still", "still", 0.05)]
    if bodily & set(behaviours) and upper and not locomotes and "contacts" in facts.fields:
        (terms if behaviours != ["stand"] else extras).append(
            TermChoice("body_down", "contact", 1.0, "shaping", {},
                       {"bodies": upper, "mode": "penalty"}))
    if intent.joints and intent.joint_goal:
        target = 0.0 if intent.joint_goal == "straight" else _bent_angle(intent.joints[0],
                                                                          description)
        terms.append(TermChoice("joint_pose", "joint_target", 0.5, "shaping",
                                {"target": target}, {"joints": list(intent.joints)}))
    if locomotes and facts.terminates:
        # The episode can end early: pay for staying healthy and keep the shaping mild.
        terms.append(TermChoice("alive", "alive", 1.0))
        if "torso_up" in facts.fields and "flip" not in behaviours:
            terms.append(TermChoice("upright", "upright", 0.1))
        if facts.height and "jump" not in behaviours:
            terms.append(TermChoice("height", "height", 0.1, "shaping",
                                    {"target": facts.height}, {"shape": "ramp"}))
        cost_level = 0.003
    elif locomotes and "torso_up" in facts.fields and "flip" not in behaviours:
        extras.append(TermChoice("upright", "upright", 0.1))
    terms.append(_cost(facts, cost_level))
    if facts.terminates and not bodily & set(behaviours):  # pose tasks never end early
        extras.append(TermChoice("alive", "alive", 1.0))
    terms = usable(_dedupe(terms), description)
    if not any(t.role == "task" for t in terms):
        raise OfflineDesignError(
            f"the offline designer's term library cannot express this task on "
            f"{description.env_id}: none of its task terms fits the fields "
            f"{', '.join(description.field_names)}. Use an LLM designer (--model) instead.")
    names = {t.name for t in terms}
    return Plan(terms, [e for e in usable(_dedupe(extras), description) if e.name not in names],
                notes)


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
            and all(n in known for key in ("joints", "bodies") for n in t.options.get(key, []))]


def render_source(terms: list[TermChoice], env_id: str) -> str:
    """The complete reward module for ``terms`` (header, imports, ``compute_reward``)."""
    if not terms:
        raise OfflineDesignError("cannot render a reward with no terms")
    header = json.dumps({"env": env_id, "terms": [t.to_json() for t in terms]}, sort_keys=True)
    lines = [HEADER + header,
             '"""Reward composed by the rewardsmith offline designer (no LLM) from terms."""',
             "import numpy as np", "", "",
             "def compute_reward(state, action, next_state):"]
    for t in terms:
        term = get_term(t.term)
        lines.append(f"    # {t.name}: {term.key} x {t.weight!r}: {term.doc.split(':')[0]}")
        lines.append(f"    {t.name} = {t.weight!r} * ({term.render(t.params, t.options)})")
    names = [t.name for t in terms]
    lines.append("    components = {" + ", ".join(f"{n!r}: {n}" for n in names) + "}")
    lines.append(f"    total = {' + '.join(names)}")
    lines.append("    return total, components")
    return "\n".join(lines) + "\n"


def read_header(source: str) -> tuple[str, list[TermChoice]] | None:
    """Recover ``(env_id, terms)`` from a source written by :func:`render_source`, else None."""
    for line in source.splitlines():
        if line.startswith(HEADER):
            try:
                data = json.loads(line[len(HEADER):])
                return data["env"], [TermChoice(**entry) for entry in data["terms"]]
            except (ValueError, KeyError, TypeError):
                return None
    return None


def apply_feedback(terms: list[TermChoice], feedback: FeedbackIntent, intent: TaskIntent,
                   description: EnvDescription) -> tuple[list[TermChoice], list[str]]:
    """Edit ``terms`` for what plain-language feedback complains about or asks for.

    Returns:
        The edited terms (new objects) and one note per change, for the rationale.
    """
    terms, notes = [t.copy() for t in terms], []
    by_name = {t.name: t for t in terms}
    flags, facts = set(feedback.flags), env_facts(description)
    moving = [t for t in terms if t.term in ("velocity", "target_speed") and t.role == "task"
              and t.options.get("axis") != "z"]
    asked = feedback.request.direction
    if moving and asked and any(asked != t.options["sign"] for t in moving):
        flags.add("wrong_direction")
    if "flips" in flags and "flip" in intent.behaviours:
        flags.discard("flips")  # flipping is the task: not a complaint

    def scale(names: tuple[str, ...], factor: float, why: str) -> bool:
        hit = [by_name[n] for n in names if n in by_name]
        for t in hit:
            t.weight = round_sig(t.weight * factor)
            notes.append(f"{why}: {t.name} weight x{factor:g}")
        return bool(hit)

    def add(choice: TermChoice, why: str) -> None:
        if choice.name not in by_name and usable([choice], description):
            terms.append(choice)
            by_name[choice.name] = choice
            notes.append(f"{why}: added {choice.name} (weight {choice.weight:g})")

    if flags & {"falls", "on_back", "flips"}:
        why = "feedback says it falls or ends upside down"
        if not scale(("upright",), 2.0, why):
            add(TermChoice("upright", "upright", 0.5), why)
        if facts.terminates and "falls" in flags and not scale(("alive",), 1.5, why):
            add(TermChoice("alive", "alive", 1.0), why)
    if "wrong_direction" in flags:
        for t in moving + [t for t in terms if t.term == "rotation" and t.role == "task"]:
            t.options["sign"] = -t.options["sign"]
            old = t.name
            if _OPPOSITE.get(old) and _OPPOSITE[old] not in by_name:  # the name tells the way
                t.name = _OPPOSITE[old]
                by_name[t.name] = by_name.pop(old)
            notes.append(f"feedback says wrong direction: {old} sign flipped ({t.name})")
    if flags & {"too_slow", "not_moving"}:
        for t in moving:
            if t.term == "target_speed":
                t.params["speed"] = round_sig(get_term(t.term).params["speed"].clip(
                    1.5 * t.params["speed"]))
                notes.append(f"feedback says too slow: {t.name} target speed raised")
            else:
                scale((t.name,), 1.5, "feedback says too slow")
        scale(("action_cost",), 0.5, "feedback says too slow")
        if "not_moving" in flags:
            scale(("alive", "still"), 0.5, "feedback says it does not move")
    if "too_fast" in flags:
        for t in moving:
            # Unknown current speed for a plain velocity term: target the library default.
            speed = 0.7 * t.params["speed"] if t.term == "target_speed" else None
            t.term = "target_speed"
            t.params = {**get_term(t.term).defaults(), **({"speed": speed} if speed else {})}
            t.params = {k: round_sig(v) for k, v in t.params.items()}
            notes.append(f"feedback says too fast: {t.name} now targets {t.params['speed']} m/s")
    if "jittery" in flags:
        scale(("action_cost",), 3.0, "feedback says jittery")
        add(TermChoice("joint_speed", "joint_speed_cost", 0.001, "cost"), "feedback says jittery")
    if "crouching" in flags:
        why = "feedback says it crouches"
        if not scale(tuple(t.name for t in terms if t.term == "height"
                           and t.options.get("shape") == "ramp"), 2.0, why) and facts.height:
            add(TermChoice("tall", "height", 0.5, "shaping", {"target": facts.height},
                           {"shape": "ramp"}), why)
    if "drifts" in flags and not scale(("still",), 2.0, "feedback says it drifts"):
        add(TermChoice("still", "still", 0.2), "feedback says it drifts")
    new = [b for b in feedback.request.behaviours if b not in intent.behaviours
           and not (b == "move" and moving)]  # "it should run faster" asks for no new term
    if new:
        asked_plan = compose(replace(feedback.request, behaviours=tuple(new)), description)
        for t in asked_plan.terms:
            add(t, "feedback asks for " + "/".join(new))
    return terms, notes
