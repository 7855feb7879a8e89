"""Environment descriptions: the named, documented state a reward program sees.

One :class:`EnvDescription` drives both the text the designer reads (Text2Reward style) and the
extraction of the fields from MuJoCo, so the prompt cannot drift from the code. Descriptions are
built from a spec file in ``envs/`` (see ``envs/halfcheetah_v5.py``) against the compiled MuJoCo
model, so every joint and body name in the text is one the simulator really has.

A description built by the registry pickles as a reference to its env id and is looked up
again on the other side: its fields compute with closures over the compiled model, which do not
pickle, and a subprocess (``SubprocVecEnv``, ``AsyncVectorEnv``, any start method) builds the
same description from the same id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rewardsmith.contract.state import RawBatch, State


@dataclass(frozen=True)
class Field:
    """One named state field: how it reads in the prompt and how it is computed.

    Attributes:
        name: the attribute name the reward program uses (``state.<name>``).
        shape: shape with the batch axis, as shown to the designer, e.g. ``"(B, 3)"``.
        unit: physical unit (``"m"``, ``"m/s"``, ``"rad"``, ``"bool"``, ...).
        doc: one sentence saying what the field means, frame and sign conventions included.
        compute: maps the raw batch to the value; vectorised over ``B``.
    """

    name: str
    shape: str
    unit: str
    doc: str
    compute: Callable[[RawBatch], Any]


@dataclass(frozen=True)
class ActionRow:
    """One row of the action table (index, meaning, bounds, actuator name, unit)."""

    index: int
    meaning: str
    low: float
    high: float
    name: str
    unit: str = "torque (N m)"


@dataclass
class EnvDescription:
    """The compact, named description of one environment, plus the extraction it documents.

    Attributes:
        env_id: gymnasium id, e.g. ``"HalfCheetah-v5"``.
        title: short human name.
        summary: what the robot is, its frame conventions (+x forward, z up).
        fields: the named state fields, in prompt order.
        actions: the action table.
        notes: extra facts a reward designer needs (episode length, termination, typical scales).
        layout: raw snapshot layout ``name -> (start, stop, shape)``.
        snapshot_fn: ``MjData -> 1-D float64 array`` with that layout.
        joint_names / body_names / contact_names: names valid in the mapping fields.
    """

    env_id: str
    title: str
    summary: str
    fields: list[Field]
    actions: list[ActionRow]
    notes: list[str]
    layout: dict[str, tuple[int, int, tuple[int, ...]]]
    snapshot_fn: Callable[[Any], np.ndarray]
    joint_names: list[str] = field(default_factory=list)
    body_names: list[str] = field(default_factory=list)
    contact_names: list[str] = field(default_factory=list)
    joint_docs: dict[str, str] = field(default_factory=dict)
    body_docs: dict[str, str] = field(default_factory=dict)
    dt: float = 0.0
    horizon: int = 1000

    def __post_init__(self) -> None:
        self._computes = {f.name: f.compute for f in self.fields}
        # Set by the registry when it hands this description out: the function that finds it
        # again by env id in another process (see the module docstring).
        self.lookup: Callable[[str], EnvDescription] | None = None

    def __reduce__(self) -> Any:
        if self.lookup is None:  # built by hand: by value (fails if a field is a lambda)
            return super().__reduce__()
        return self.lookup, (self.env_id,)

    @property
    def field_names(self) -> list[str]:
        """Names of the top-level state fields."""
        return [f.name for f in self.fields]

    @property
    def action_dim(self) -> int:
        """Size of the action vector."""
        return len(self.actions)

    @property
    def snapshot_size(self) -> int:
        """Length of one raw snapshot."""
        return max(stop for _, stop, _ in self.layout.values())

    def snapshot(self, data: Any) -> np.ndarray:
        """Copy what the fields need out of ``MjData`` (one env, one time step)."""
        return self.snapshot_fn(data)

    def state_from_snapshots(self, snapshots: np.ndarray) -> State:
        """Build a lazily computed, sealed :class:`State` from snapshots ``(B, snapshot_size)``.

        The state holds its own read-only copy of ``snapshots`` (see
        :class:`~rewardsmith.contract.state.RawBatch`): two states built from the same array
        share nothing, which is what lets the wrappers give the reward one and score the task
        fitness on another.
        """
        return State(RawBatch(snapshots, self.layout), self._computes, self.env_id)

    def render(self) -> str:
        """The text the designer sees (never the env's source or its built-in reward)."""
        from rewardsmith.templates import render_template

        return render_template("env_description.md.j2", env=self)


def contact_flags(data: Any, is_floor: np.ndarray, geom_body: np.ndarray, nbody: int) -> np.ndarray:
    """Per-body flags (1.0 / 0.0): does any geom of that body touch a floor geom.

    ``is_floor`` is a boolean mask over geoms; ``geom_body`` maps geom -> body id.
    """
    flags = np.zeros(nbody)
    n = data.ncon
    if n:
        geoms = data.contact.geom[:n]
        g1, g2 = geoms[:, 0], geoms[:, 1]
        flags[geom_body[g2[is_floor[g1]]]] = 1.0
        flags[geom_body[g1[is_floor[g2]]]] = 1.0
    return flags


def build_layout(parts: Sequence[tuple[str, tuple[int, ...]]]
                 ) -> dict[str, tuple[int, int, tuple[int, ...]]]:
    """Consecutive layout for named parts with per-env shapes."""
    layout, start = {}, 0
    for name, shape in parts:
        size = int(np.prod(shape)) if shape else 1
        layout[name] = (start, start + size, shape)
        start += size
    return layout


def mapping_field(names: Mapping[str, int],
                  getter: Callable[[RawBatch, int], np.ndarray]) -> Callable:
    """A compute function returning ``{name: getter(raw, index)}`` for a mapping field."""

    def compute(raw: RawBatch) -> dict[str, np.ndarray]:
        return {name: getter(raw, index) for name, index in names.items()}

    return compute
