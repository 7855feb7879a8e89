"""Env settings that follow the request: early termination that does not end every success.

Hopper, Walker2d, Ant and Humanoid end an episode early when the torso leaves a "healthy"
height (and, for the planar robots, angle) range. That is right for running, where a fall is
failure, but it makes "sit down", "kneel on one knee", "lie on your back" or "fall safely"
impossible to learn: every episode ends the moment the body gets where it was asked to go, so
the policy never sees a step of success. A request that asks for the body low or on the ground
(:attr:`~rewardsmith.envs.intent.TaskIntent.low`), or for a flip on a robot whose healthy range
includes the torso angle, therefore runs with early termination off, and the run says so.

A crouch and a kneel are the exceptions: the legs still hold the body up (on the feet, on the
knees), so a torso below knee height is a fall, as it is standing. Turning termination off for
a crouch made a fall cost nothing but the rest of the episode spent lying down (#15's held-out
"walker crouch" and "hopper crouch" learned exactly that; humanoid-stand's reference learned
slower without it, #12), so these keep early termination with the healthy height lowered to
knee height and, where the env also ends on the torso's angle, that range widened to 1 rad (a
squat leans the chest forward to keep the weight over the feet). A kneeling humanoid's torso is
at 0.66-0.90 m, sitting on the floor at 0.53 and lying at 0.1 (constructed poses,
``tests/envs/test_fitness_semantics.py``); knee height is 0.49 m.

A request to move backwards on a robot that ends the episode at a small torso lean (Hopper: 0.2
rad) runs with the lean widened to 1 rad: Hopper's leg gets ahead of its body only when the
torso leans back (see :func:`_backwards_lean_settings`).

Apart from the request, an env may have settings for what its policy observes
(:data:`OBSERVATION_KWARGS`), which every run on it uses: Ant-v5's default observation carries 78
contact forces on top of its 27 positions and velocities, and with them PPO did not learn to run
(#12; the reward and the fitness read the named state, not the observation, so they see the
same either way).

Built-in tasks carry their own ``env_kwargs``; this is for requests no built-in task matches.
The keyword is looked up in the env's real constructor (gymnasium's registry), so an env
without it (HalfCheetah never ends early; InvertedPendulum has no switch) gets nothing and, when
the request needed it, a sentence saying why.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rewardsmith.envs.body_proportions import KNEE_H
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import LOW_POSES, TaskIntent, env_facts

TERMINATION_KWARG = "terminate_when_unhealthy"
HEIGHT_KWARG = "healthy_z_range"
ANGLE_KWARG = "healthy_angle_range"
# How far a crouching torso may lean before the episode ends: a deep squat leans the chest about
# 45 deg forward to keep the weight over the feet; 1 rad (57 deg) leaves room for a wobble.
CROUCH_LEAN_RAD = 1.0
# How far a torso moving backwards may lean before the episode ends: Walker2d's default range.
BACKWARDS_LEAN_RAD = 1.0
# JSON (run files, the sandbox's inputs) has no infinity: an unbounded top height is written so.
_NO_TOP_M = 1000.0

# What the policy observes, where an env's default input keeps PPO from learning. Ant-v5: with
# its contact forces in the observation (105 values), ant-run's reference reached 0.12 m/s after
# 2M steps; without them (27 values, Ant-v4's default) 1.02 m/s at 900k, the same seed and
# settings side by side (benchmarks/bench_time_to_success.py, README). The policy's input only:
# the reward and the fitness read the named state either way.
OBSERVATION_KWARGS: dict[str, dict[str, Any]] = {
    "Ant-v5": {"include_cfrc_ext_in_observation": False},
}

_POSE_WORDS = {"kneel": "kneeling", "sit": "sitting", "lie": "lying down", "crouch": "crouching"}
# Low poses the legs still hold up, and what they stand on: below the knees is a fall from both.
_ON_THE_LEGS = {"crouch": "feet", "kneel": "knees"}


@dataclass(frozen=True)
class EnvSettings:
    """Keyword arguments for ``gymnasium.make`` chosen from the request, and why.

    Attributes:
        kwargs: e.g. ``{"terminate_when_unhealthy": False}``; empty when the defaults serve.
        reason: one short sentence to print and record; empty when nothing was needed.
    """

    kwargs: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


def env_settings_for(intent: TaskIntent, env_id: str, description: EnvDescription
                     ) -> EnvSettings:
    """The env kwargs a request needs: early termination off when it would end every success.

    Args:
        intent: the request as read by :func:`~rewardsmith.envs.intent.parse_task`.
        env_id: the gymnasium id the run will make.
        description: the env's description; its notes say whether episodes end early.

    Returns:
        The kwargs (with the env's :data:`OBSERVATION_KWARGS`) and a one-sentence reason for
        the request's own; ``EnvSettings()`` when the defaults are right.
    """
    settings = _request_settings(intent, env_id, description)
    return EnvSettings({**observation_kwargs(env_id), **settings.kwargs}, settings.reason)


def observation_kwargs(env_id: str) -> dict[str, Any]:
    """The ``gymnasium.make`` kwargs that choose what a policy on ``env_id`` observes."""
    return dict(OBSERVATION_KWARGS.get(env_id, {}))


def _request_settings(intent: TaskIntent, env_id: str, description: EnvDescription
                      ) -> EnvSettings:
    """Early termination off (or lowered to the knees) when the request needs it."""
    why = _why_termination_hurts(intent, description)
    facts = env_facts(description)
    if not facts.terminates:
        return EnvSettings()
    if why is None:
        return _backwards_lean_settings(intent, env_id, _termination_rule(description))
    rule = _termination_rule(description)
    on = _held_up_by_the_legs(intent)
    if on and facts.height and _accepts(env_id, HEIGHT_KWARG):
        return _knee_height_settings(env_id, facts.height, why, rule, on)
    if not _accepts(env_id, TERMINATION_KWARG):
        return EnvSettings({}, f"{why}, but {env_id} has no {TERMINATION_KWARG} setting: its "
                               f"episodes still end early{rule}")
    return EnvSettings({TERMINATION_KWARG: False},
                       f"{why}: running {env_id} with {TERMINATION_KWARG}=False, so episodes "
                       f"last the full {description.horizon} steps instead of ending early{rule}")


def _backwards_lean_settings(intent: TaskIntent, env_id: str, rule: str) -> EnvSettings:
    """Moving backwards where the episode ends at a small torso lean: the lean widened to 1 rad.

    Hopper's thigh swings its foot only backwards of the hip (its range is -150..0 deg), so the
    foot gets ahead of the body, which a hop backwards pushes off from, only by leaning the
    torso back, and Hopper ends the episode past 0.2 rad. hopper-hop-backwards' reference
    lunged back and ended its episodes within ~45 steps (0.04 m/s over the horizon at 1M
    steps); with 1 rad (Walker2d's default, under which walker-walk-backwards walks) it reached
    1.09 m/s at 350k steps (seed 0; README, #12).
    """
    if intent.direction >= 0 or intent.axis != "x" or not _accepts(env_id, ANGLE_KWARG):
        return EnvSettings()
    low, high = _default(env_id, ANGLE_KWARG)
    if min(-low, high) >= BACKWARDS_LEAN_RAD:
        return EnvSettings()
    lean = [-BACKWARDS_LEAN_RAD, BACKWARDS_LEAN_RAD]
    return EnvSettings({ANGLE_KWARG: lean},
                       f"moving backwards needs the torso to lean back further than {env_id} "
                       f"allows by default: running it with {ANGLE_KWARG}={tuple(lean)}, so an "
                       f"episode still ends at a fall, not at a lean{rule}")


def _held_up_by_the_legs(intent: TaskIntent) -> str | None:
    """"feet" or "knees" for a crouch or a kneel with no other low pose or flip, else None.

    A crouch on the way to a kneel is a kneel; both with a sit or a lie are neither."""
    found = [b for b in intent.behaviours if b in LOW_POSES]
    if not found or set(found) - set(_ON_THE_LEGS) or "flip" in intent.behaviours:
        return None
    return _ON_THE_LEGS["kneel" if "kneel" in found else "crouch"]


def _knee_height_settings(env_id: str, height: float, why: str, rule: str, on: str
                          ) -> EnvSettings:
    """Early termination kept, the healthy height lowered to the knees (and the angle widened)."""
    low, top = _default(env_id, HEIGHT_KWARG)
    floor = round(KNEE_H * height, 2)
    if floor >= low:  # the default already lets the torso down to the knees (Ant)
        return EnvSettings()
    kwargs: dict[str, Any] = {HEIGHT_KWARG: [floor, top if math.isfinite(top) else _NO_TOP_M]}
    said = f"the torso below knee height, {floor} m"
    if _accepts(env_id, ANGLE_KWARG):
        lo, hi = _default(env_id, ANGLE_KWARG)
        if max(-lo, hi) < CROUCH_LEAN_RAD:
            kwargs[ANGLE_KWARG] = [-CROUCH_LEAN_RAD, CROUCH_LEAN_RAD]
            said += f" or leaning past {CROUCH_LEAN_RAD:g} rad"
    settings = ", ".join(f"{k}={tuple(v)}" for k, v in kwargs.items())
    return EnvSettings(kwargs, f"{why}, but on its {on}: running {env_id} with {settings}, so "
                               f"an episode still ends early at a fall ({said}) instead of at "
                               f"the default{rule}")


def _default(env_id: str, kwarg: str) -> tuple[float, float]:
    """The env constructor's default (low, high) for a healthy-range keyword."""
    low, high = _parameters(env_id)[kwarg].default
    return float(low), float(high)


def _why_termination_hurts(intent: TaskIntent, description: EnvDescription) -> str | None:
    poses = [_POSE_WORDS[b] for b in intent.behaviours if b in LOW_POSES]
    if poses:
        return f"{' and '.join(poses)} puts the body low"
    if intent.low:
        return "the request puts the body low or on the ground"
    if "flip" in intent.behaviours and "pitch" in _termination_rule(description):
        return "a flip turns the torso past the healthy angle"
    return None


def _termination_rule(description: EnvDescription) -> str:
    """" (when ...)" quoted from the description's note on early termination, or ""."""
    for note in description.notes:
        found = re.search(r"ENDS? EARLY (when .*?)(?:[.;](?:\s|$)|$)", note, re.IGNORECASE)
        if found:
            return f" ({found.group(1).strip().rstrip(',')})"
    return ""


def _accepts(env_id: str, kwarg: str) -> bool:
    """Whether the env's constructor takes ``kwarg`` (False for envs gymnasium cannot load)."""
    # Only a named parameter: **kwargs would pass it on to MujocoEnv, which rejects it.
    return kwarg in _parameters(env_id)


def _parameters(env_id: str) -> Mapping[str, inspect.Parameter]:
    """The env constructor's named parameters (none for envs gymnasium cannot load)."""
    import gymnasium
    from gymnasium.envs.registration import load_env_creator

    try:
        creator = load_env_creator(gymnasium.spec(env_id).entry_point)
        return inspect.signature(creator).parameters
    except (gymnasium.error.Error, ImportError, AttributeError, ValueError, TypeError):
        return {}
