"""Env settings that follow the request: no early termination when success needs the body low.

Hopper, Walker2d, Ant and Humanoid end an episode early when the torso leaves a "healthy"
height (and, for the planar robots, angle) range. That is right for running, where a fall is
failure, but it makes "sit down", "kneel on one knee", "lie on your back" or "fall safely"
impossible to learn: every episode ends the moment the body gets where it was asked to go, so
the policy never sees a step of success. A request that asks for the body low or on the ground
(:attr:`~rewardsmith.envs.intent.TaskIntent.low`), or for a flip on a robot whose healthy range
includes the torso angle, therefore runs with early termination off, and the run says so.

Built-in tasks carry their own ``env_kwargs``; this is for requests no built-in task matches.
The keyword is looked up in the env's real constructor (gymnasium's registry), so an env
without it (HalfCheetah never ends early; InvertedPendulum has no switch) gets nothing and, when
the request needed it, a sentence saying why.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import LOW_POSES, TaskIntent, env_facts

TERMINATION_KWARG = "terminate_when_unhealthy"

_POSE_WORDS = {"kneel": "kneeling", "sit": "sitting", "lie": "lying down", "crouch": "crouching"}


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
        The kwargs and a one-sentence reason; ``EnvSettings()`` when the defaults are right.
    """
    why = _why_termination_hurts(intent, description)
    if why is None or not env_facts(description).terminates:
        return EnvSettings()
    rule = _termination_rule(description)
    if not _accepts(env_id, TERMINATION_KWARG):
        return EnvSettings({}, f"{why}, but {env_id} has no {TERMINATION_KWARG} setting: its "
                               f"episodes still end early{rule}")
    return EnvSettings({TERMINATION_KWARG: False},
                       f"{why}: running {env_id} with {TERMINATION_KWARG}=False, so episodes "
                       f"last the full {description.horizon} steps instead of ending early{rule}")


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
    import gymnasium
    from gymnasium.envs.registration import load_env_creator

    try:
        creator = load_env_creator(gymnasium.spec(env_id).entry_point)
        parameters = inspect.signature(creator).parameters
    except (gymnasium.error.Error, ImportError, AttributeError, ValueError, TypeError):
        return False
    # Only a named parameter: **kwargs would pass it on to MujocoEnv, which rejects it.
    return kwarg in parameters
