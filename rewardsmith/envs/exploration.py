"""Exploration that follows the request: a flip starts with wide action noise.

The tuned PPO settings (rl-zoo3's, :mod:`rewardsmith.rl.hyperparams`) start the policy's action
noise narrow, at a standard deviation of exp(-2) = 0.14: right for running, where small
variations of a gait pay at once. A flip is different: nothing pays until the body has turned
far over, and a narrow noise never gets it there by chance. cheetah-flip's reference reward
spun at 0.38 and 0.42 rad/s after 500k steps (seeds 0, 1) with the narrow start, and did not
flip at std 0.37 or 0.61 either (0.25-0.30 and 0.18-1.02 rad/s, seeds 0-2); starting at std 1
(SB3's own default) it reached 3 rad/s at 600k and 750k steps and 4.20 and 4.59 at 1M, the
task's budget since (README, #12).
The same wide start stopped cheetah-run's reference from running (1.78 m/s at 300k steps
against 3 m/s at 105k), so it is the request's, not the env's: a request to flip gets it, the
built-in flip task carries it (:attr:`~rewardsmith.envs.tasks.Task.algo_kwargs`), and nothing
else changes. Measured on HalfCheetah only; a flip on another body gets it for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rewardsmith.envs.intent import TaskIntent

# The policy's log standard deviation at the start: exp(0) = 1, SB3's default.
WIDE_NOISE: dict[str, Any] = {"policy_kwargs": {"log_std_init": 0.0}}


@dataclass(frozen=True)
class Exploration:
    """Overrides of the tuned training settings that a request needs, and why.

    Attributes:
        algo_kwargs: merged into the tuned hyperparameters
            (:func:`rewardsmith.rl.hyperparams.hyperparams`); empty when they serve.
        reason: one short sentence to print and record; empty when nothing was needed.
    """

    algo_kwargs: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


def exploration_for(intent: TaskIntent) -> Exploration:
    """Wide action noise at the start for a flip; the tuned settings for anything else."""
    if "flip" not in intent.behaviours:
        return Exploration()
    return Exploration({"policy_kwargs": dict(WIDE_NOISE["policy_kwargs"])},
                       "a flip pays nothing until the body has turned far over: the policy's "
                       "action noise starts at std 1 (log_std_init=0, SB3's default; the tuned "
                       "settings start most bodies at 0.14), so it finds the turn")
