"""The batched, named state a reward program reads, sealed so that the reward cannot change it.

A :class:`State` is built from raw MuJoCo snapshots of ``B`` environments (one row each) and
computes each named field on first access, then caches it: rewards usually read a handful of the
fields, so computing them lazily keeps the wrapper cheap on the training hot path.

Every array a :class:`State` hands out is *sealed* (:func:`seal`): read-only, and backed by an
immutable ``bytes`` buffer, so that numpy refuses in-place writes (``x *= -1``, ``np.copyto``,
``out=``, ``np.put``, ``x[...] = ``) and refuses to make it writable again
(``setflags(write=True)`` on the array, on its ``.base`` or on an ``as_strided`` view of it; numpy
allows that only for arrays that own their data or have a writable base). Mapping fields are
:class:`ReadOnlyDict`. The flag is not a wall: numpy 2.4's ``np.add.at`` writes into a read-only
1-D array, and ``__array_interface__`` or ``ctypes`` reach any memory. So it is one of two
layers: every :class:`State` holds its own copy of the snapshots, and the wrappers compute the
task fitness from states of their own that the reward never receives
(``rewardsmith.rl.wrappers``), so whatever gets past numpy changes only the reward's copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

import numpy as np


def seal(array: Any) -> np.ndarray:
    """A read-only copy of ``array`` that no numpy call can make writable again.

    The copy is a view of a ``bytes`` object: numpy lets ``setflags(write=True)`` succeed only on
    an array that owns its data or whose base chain reaches a writable array or buffer, and
    ``bytes`` is neither. Costs one copy (about 1 us for a few hundred floats).

    Args:
        array: anything ``np.asarray`` accepts, with a non-object dtype.

    Raises:
        TypeError: the array holds Python objects (they could be mutated through it).
    """
    value = np.asarray(array)
    if value.dtype.hasobject:
        raise TypeError(f"seal() needs a numeric or boolean array, got dtype {value.dtype}; "
                        f"object arrays cannot be made immutable")
    data = value.tobytes()
    if len(data) < 2:  # CPython shares b"" and one-byte bytes objects: never hand those out
        data += b"\0\0"
    return np.frombuffer(data, dtype=value.dtype, count=value.size).reshape(value.shape)


def is_sealed(array: np.ndarray) -> bool:
    """Whether ``array`` is read-only and no numpy call can make it (or its base) writable."""
    value: Any = array
    while isinstance(value, np.ndarray):
        if value.flags.writeable or value.flags.owndata:
            return False
        value = value.base
    return isinstance(value, bytes)


def seal_value(value: Any) -> Any:
    """``value`` with every array sealed: arrays, mappings of arrays, immutable scalars.

    A sealed array is returned as is (views of a sealed snapshot cost nothing); a mapping
    becomes a :class:`ReadOnlyDict` of sealed values.
    """
    if isinstance(value, np.ndarray):
        return value if is_sealed(value) else seal(value)
    if isinstance(value, Mapping):
        return ReadOnlyDict({key: seal_value(item) for key, item in value.items()})
    return value


class ReadOnlyDict(dict):
    """A ``dict`` (so ``isinstance(x, dict)`` holds) whose items cannot be set or removed.

    Mapping fields (``state.joint_angles``) are these, so a reward cannot replace an entry in a
    mapping that something else reads; ``dict(state.joint_angles)`` gives a mutable copy.
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this state mapping is read-only: a reward reads the state and cannot "
                        "change it; build a new dict (dict(mapping)) to change values")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict]]:
        return ReadOnlyDict, (dict(self),)


class RawBatch:
    """Raw simulator arrays of ``B`` environments, sliced out of stacked snapshots.

    The snapshots are copied into one sealed ``(B, snapshot_size)`` array (:func:`seal`), so a
    caller's array is never shared with a reward; ``layout`` maps a name (``qpos``, ``qvel``,
    ``xpos``, ...) to ``(start, stop, shape_per_env)`` and ``raw.<name>`` is a view into that
    array (sealed too), made on first access: a step reads only a few of them.
    """

    def __init__(self, snapshots: np.ndarray,
                 layout: Mapping[str, tuple[int, int, tuple[int, ...]]]):
        snapshots = seal(np.asarray(snapshots, dtype=np.float64))
        if snapshots.ndim == 1:
            snapshots = snapshots[None, :]
        self.snapshots = snapshots
        self.batch_size = snapshots.shape[0]
        self._layout = layout

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):  # never look up the layout for internals (copy, pickle)
            raise AttributeError(name)
        try:
            start, stop, shape = self._layout[name]
        except KeyError:
            raise AttributeError(f"the raw snapshot has no part {name!r}; its parts are "
                                 f"{', '.join(self._layout)}") from None
        value = self.snapshots[:, start:stop].reshape((self.batch_size, *shape))
        self.__dict__[name] = value
        return value


class State(Mapping[str, Any]):
    """Named fields of a batch of environment states (every array has a leading axis ``B``).

    Read fields as attributes (``state.torso_height``) or items (``state["torso_height"]``).
    Mappings such as ``state.joint_angles`` are read-only dicts of ``(B,)`` arrays. Nothing can
    be set on a state and every array is sealed (see the module docstring): a reward that needs
    to change a value works on a copy (``state.torso_velocity.copy()``).
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
        value = seal_value(compute(self._raw))
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
        raise AttributeError(f"State is read-only: cannot set {name!r}; a reward reads the "
                             f"state and returns its values, it cannot change the state")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"State is read-only: cannot delete {name!r}")

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
