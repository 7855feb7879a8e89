"""The batched, named state a reward program reads.

A :class:`State` is built from raw MuJoCo snapshots of ``B`` environments (one row each) and
computes each named field on first access, then caches it: rewards usually read a handful of the
fields, so computing them lazily keeps the wrapper cheap on the training hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np


class RawBatch:
    """Raw simulator arrays of ``B`` environments, sliced out of stacked snapshots.

    Attributes are views into one ``(B, snapshot_size)`` array; ``layout`` maps a name
    (``qpos``, ``qvel``, ``xpos``, ...) to ``(start, stop, shape_per_env)``.
    """

    def __init__(self, snapshots: np.ndarray,
                 layout: Mapping[str, tuple[int, int, tuple[int, ...]]]):
        if snapshots.ndim == 1:
            snapshots = snapshots[None, :]
        self.snapshots = snapshots
        self.batch_size = snapshots.shape[0]
        for name, (start, stop, shape) in layout.items():
            setattr(self, name, snapshots[:, start:stop].reshape((self.batch_size, *shape)))


class State(Mapping[str, Any]):
    """Named fields of a batch of environment states (every array has a leading axis ``B``).

    Read fields as attributes (``state.torso_height``) or items (``state["torso_height"]``).
    Mappings such as ``state.joint_angles`` are plain dicts of ``(B,)`` arrays.
    """

    __slots__ = ("_raw", "_fields", "_cache", "_env_id")

    def __init__(self, raw: RawBatch, fields: Mapping[str, Callable[[RawBatch], Any]], env_id: str):
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_fields", fields)
        object.__setattr__(self, "_cache", {})
        object.__setattr__(self, "_env_id", env_id)

    @property
    def batch_size(self) -> int:
        """Number of environments ``B`` in this batch."""
        return self._raw.batch_size

    def __getitem__(self, name: str) -> Any:
        cache = self._cache
        if name in cache:
            return cache[name]
        try:
            compute = self._fields[name]
        except KeyError:
            raise KeyError(self._unknown_field_message(name)) from None
        value = compute(self._raw)
        cache[name] = value
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(e.args[0]) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"State is read-only: cannot set {name!r}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"State(env={self._env_id!r}, B={self.batch_size}, fields={list(self._fields)})"

    def _unknown_field_message(self, name: str) -> str:
        return (
            f"state has no field {name!r} in {self._env_id}. "
            f"Available fields: {', '.join(self._fields)}."
        )


def as_batch_array(value: Any, batch_size: int) -> np.ndarray:
    """Broadcast a scalar field (such as ``dt``) to shape ``(B,)``."""
    return np.full(batch_size, value, dtype=np.float64)
