"""The reward the offline composer is building, shared by the steps that add its terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rewardsmith.designers.offline.terms import TermChoice
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.intent import EnvFacts, TaskIntent


@dataclass
class Draft:
    """The reward being composed and what the steps of :func:`.composer.compose` decided so far:
    they run in a fixed order because later steps read earlier decisions (standing on its front
    legs is no plain stand, a gait or a pose uses the limb qualifier, motion sets what effort
    costs)."""

    intent: TaskIntent
    description: EnvDescription
    text: str  # the request's words, lower case and single-spaced
    facts: EnvFacts
    behaviours: list[str]  # what the reward expresses, as the steps settle it
    cartwheel: bool  # the parser has no cartwheel behaviour: read from the text
    leg_group: re.Match[str] | None  # "on its front/back legs"
    feet: list[str]  # the contacts that are feet
    limb_used: bool  # some term uses the limb qualifier (True when there is none)
    terms: list[TermChoice] = field(default_factory=list)
    extras: list[TermChoice] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    posed: bool = False  # a pose never ends early and may penalise the body down
    # What full effort on every actuator costs per step, in units of the task term. Poses: 30%
    # of a fully met pose term (1.0), enough to discourage straining against the floor without
    # making doing nothing the best pose.
    cost_level: float = 0.3
    locomotes: bool = False  # travels or rotates: no floor penalty, health terms
    allowed: set[str] | None = None  # contacts a pose may have on the floor (None: no penalty)
