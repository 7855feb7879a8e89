"""rewardsmith: LLM-designed, sandboxed, measured reward functions for MuJoCo RL.

The public names are imported lazily, so ``import rewardsmith`` stays fast and does not pull in
torch, SB3 or MuJoCo until they are used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "design": "rewardsmith.run.api",
    "train": "rewardsmith.rl.training",
    "load_reward": "rewardsmith.rl.reward_program",
    "describe_env": "rewardsmith.envs.registry",
    "register_env_description": "rewardsmith.envs.registry",
    "register_task": "rewardsmith.envs.registry",
    "RewardWrapper": "rewardsmith.rl.wrappers",
    "VecRewardWrapper": "rewardsmith.rl.wrappers",
    "CaptureState": "rewardsmith.rl.wrappers",
    "make_vec_env": "rewardsmith.rl.make_env",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rewardsmith' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
