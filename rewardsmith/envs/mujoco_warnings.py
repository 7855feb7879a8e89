"""Silence one known, harmless MuJoCo warning and pass every other one on.

MuJoCo 4 warns that gymnasium's bundled XML files use the deprecated ``settotalmass`` compiler
attribute; it prints once per env created, which floods every progress display. Nothing we can
fix here: gymnasium owns those files.
"""

from __future__ import annotations

import warnings

_KNOWN = ("settotalmass",)
_installed = False


def _on_warning(message: str) -> None:
    if any(known in message for known in _KNOWN):
        return
    warnings.warn(f"MuJoCo: {message.strip()}", RuntimeWarning, stacklevel=2)


def quiet_known_mujoco_warnings() -> None:
    """Install the filter (once per process)."""
    global _installed
    if _installed:
        return
    import mujoco

    if mujoco.get_mju_user_warning() is None:
        mujoco.set_mju_user_warning(_on_warning)
    _installed = True
