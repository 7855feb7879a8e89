"""rewardsmith: LLM-designed, sandboxed, measured reward functions for MuJoCo RL.

The public names are imported lazily, so ``import rewardsmith`` stays fast and does not pull in
torch, SB3 or MuJoCo until they are used.
"""

from __future__ import annotations

import importlib.abc
import sys
from typing import Any

from rewardsmith._lazy import lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "design": "rewardsmith.run.api",
    "train": "rewardsmith.rl.training",
    "load_reward": "rewardsmith.rl.reward_program",
    "describe_env": "rewardsmith.envs.registry",
    "register_env_description": "rewardsmith.envs.registry",
    "register_task": "rewardsmith.envs.registry",
    "RewardWrapper": "rewardsmith.rl.wrappers",
    "RewardVectorWrapper": "rewardsmith.rl.vector",
    "VecRewardWrapper": "rewardsmith.rl.vec_wrapper",
    "CaptureState": "rewardsmith.rl.capture",
    "make_vec_env": "rewardsmith.rl.make_env",
    "register_env_with_reward": "rewardsmith.rl.registration",
    "LogRewardComponents": "rewardsmith.rl.reward_logging",
    "EpisodeComponentTracker": "rewardsmith.rl.episode_stats",
}

__all__ = ["__version__", *_EXPORTS]

# Modules of the flat layout that users imported directly, and where their names live now.
_MOVED = {
    "rewardsmith.descriptions": "rewardsmith.envs (EnvDescription, Field, ActionRow, build_layout)",
    "rewardsmith.locomotion": "rewardsmith.envs (LocomotionSpec)",
    "rewardsmith.reward": "rewardsmith (load_reward) or rewardsmith.contract.reward",
    "rewardsmith.wrappers": "rewardsmith (RewardWrapper, VecRewardWrapper, CaptureState)",
    "rewardsmith.make_env": "rewardsmith (make_vec_env)",
    "rewardsmith.registry": "rewardsmith (describe_env, register_env_description, register_task)",
    "rewardsmith.tasks": "rewardsmith.envs.tasks",
    "rewardsmith.training": "rewardsmith (train)",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Turn an import of a moved module into an error that names its new home."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname in _MOVED:
            raise ModuleNotFoundError(f"{fullname} has moved: import from {_MOVED[fullname]}",
                                      name=fullname)
        return None


if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())  # last: consulted only when nothing else found it


__getattr__ = lazy_getattr(__name__, _EXPORTS)
