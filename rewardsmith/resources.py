"""Find the data folders that ship with the package: ``prompts/``, ``envs/`` and ``sandbox/``.

In a source checkout (or an editable install) they sit at the top of the repository; a wheel
carries them under ``rewardsmith/_shipped/`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_SHIPPED = ("prompts", "envs", "sandbox")


def resource_dir(name: str) -> Path:
    """Return the folder of a shipped resource (``"prompts"``, ``"envs"`` or ``"sandbox"``)."""
    if name not in _SHIPPED:
        raise ValueError(f"unknown resource {name!r}; expected one of {_SHIPPED}")
    for candidate in (_PACKAGE_DIR / "_shipped" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"rewardsmith's {name}/ folder is missing (looked in {_PACKAGE_DIR / '_shipped'} and "
        f"{_PACKAGE_DIR.parent}); reinstall the package with `pip install rewardsmith`."
    )
