"""rewardsmith: LLM-designed, sandboxed, measured reward functions for MuJoCo RL.

The public names are imported lazily, so ``import rewardsmith`` stays fast and does not pull in
torch, SB3 or MuJoCo until they are used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "design": "rewardsmith.design",
    "train": "rewardsmith.training",
    "load_reward": "rewardsmith.reward",
    "describe_env": "rewardsmith.registry",
    "register_env_description": "rewardsmith.registry",
    "register_task": "rewardsmith.registry",
    "RewardWrapper": "rewardsmith.wrappers",
    "VecRewardWrapper": "rewardsmith.wrappers",
    "CaptureState": "rewardsmith.wrappers",
    "make_vec_env": "rewardsmith.make_env",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rewardsmith' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
