"""Edit a composed reward's terms for what plain-language feedback complains about or asks."""

from __future__ import annotations

from dataclasses import replace

from rewardsmith.designers.offline.composer import compose, usable
from rewardsmith.designers.offline.terms import TermChoice, get_term, round_sig
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import FeedbackIntent, TaskIntent, env_facts

_OPPOSITE = {"forward": "backward", "backward": "forward", "left": "right", "right": "left"}


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
        asked_plan = compose(replace(feedback.request, behaviours=tuple(new)), description,
                             accept_approximation=True)
        for t in asked_plan.terms:
            add(t, "feedback asks for " + "/".join(new))
    return terms, notes
