"""How overrides of the tuned training settings combine (torch-free: the run config uses it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merged_overrides(*overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Several overrides as one (a later one wins), ``policy_kwargs`` merged key by key.

    A new dict (``policy_kwargs`` copied too): the tables here are never changed through it."""
    merged: dict[str, Any] = {}
    for override in overrides:
        for key, value in (override or {}).items():
            if key == "policy_kwargs" and value is not None:
                merged[key] = {**merged.get(key, {}), **value}
            else:
                merged[key] = value
    return merged
