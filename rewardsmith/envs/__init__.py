"""Environments as the designer sees them: descriptions, tasks, and reading the user's text.

To describe your own environment, build an :class:`EnvDescription` from ``Field`` and
``ActionRow`` entries (``build_layout`` lays out the raw observation), or a
:class:`LocomotionSpec` for a legged MuJoCo robot, and register it with
``rewardsmith.register_env_description``.
"""

from __future__ import annotations

from rewardsmith._lazy import lazy_getattr

_EXPORTS = {
    "ActionRow": "rewardsmith.envs.descriptions",
    "EnvDescription": "rewardsmith.envs.descriptions",
    "Field": "rewardsmith.envs.descriptions",
    "build_layout": "rewardsmith.envs.descriptions",
    "LocomotionSpec": "rewardsmith.envs.locomotion",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
