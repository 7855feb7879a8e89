"""The documented library of reward terms the offline designer composes rewards from.

Each :class:`Term` names the state fields it reads, its numeric parameters (with defaults and the
range the designer may search), its structural options (axis, sign, body names), and renders to
one numpy expression of shape ``(B,)``. Keeping every term a single expression means a composed
reward is a flat list of ``name = weight * (expression)`` lines, which is easy to read and to diff
between iterations. The terms read ``next_state`` (the result of the action), as the reward
contract of DESIGN.md intends. A :class:`TermChoice` is one use of a term in a reward: its
component name, weight, parameter values and options.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

AXES = {"x": 0, "y": 1, "z": 2}
# Options that hold names from the description (``usable`` and ``TermChoice`` check them).
NAME_KEYS = ("joints", "bodies", "over", "partners", "points")
_RESERVED = {"np", "math", "state", "action", "next_state", "components", "total"}


@dataclass(frozen=True)
class Param:
    """One numeric, searchable parameter of a term.

    Attributes:
        default: the value used when nothing else is known.
        low: smallest value the designer may try.
        high: largest value the designer may try.
        doc: what it means, with its unit.
    """

    default: float
    low: float
    high: float
    doc: str

    def clip(self, value: float) -> float:
        """Keep a perturbed value inside the searchable range."""
        return float(min(max(value, self.low), self.high))


@dataclass(frozen=True)
class Term:
    """A reward term: what it computes, what it needs, and how it renders.

    Attributes:
        key: library name (``"velocity"``, ``"upright"``, ...), stored in the source header.
        doc: what the term rewards and when it helps.
        needs: top-level state fields it reads; a term is usable only where all exist.
        params: numeric parameters (perturbed by the designer between candidates).
        options: structural options and what each means (chosen once from the task text).
        render: ``(params, options) -> numpy expression`` of shape ``(B,)``, unweighted.
    """

    key: str
    doc: str
    needs: tuple[str, ...]
    render: Callable[[Mapping[str, float], Mapping[str, Any]], str]
    params: dict[str, Param] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)

    def defaults(self) -> dict[str, float]:
        """The default value of every numeric parameter."""
        return {name: p.default for name, p in self.params.items()}


def num(value: float) -> str:
    """Render a number so the source and the JSON header show the same value."""
    return repr(float(value))


def _names(names: Any) -> list[str]:
    return [str(n) for n in names]


def _stack_mean(items: list[str]) -> str:
    """Mean over several ``(B,)`` expressions (a single one is returned as is)."""
    if len(items) == 1:
        return items[0]
    return f"np.mean(np.stack([{', '.join(items)}], axis=1), axis=1)"


def _signed(sign: Any, expr: str) -> str:
    """``expr`` or ``-expr``: the options hold a direction, not a weight."""
    return expr if float(sign) > 0 else f"-{expr}"


def _velocity(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    expr = _signed(o["sign"], f"next_state.torso_velocity[:, {AXES[o['axis']]}]")
    return f"np.maximum({expr}, 0.0)" if o.get("positive_only") else expr


def _target_speed(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    speed = _signed(o["sign"], f"next_state.torso_velocity[:, {AXES[o['axis']]}]")
    bump = f"np.exp(-(({speed} - {num(p['speed'])}) / {num(p['width'])}) ** 2)"
    if o.get("shape", "approach") == "bump":
        return bump
    # Below the target, the share of it reached (as the plain velocity term, scaled); past it,
    # the bump's fall: both are 1 at the target.
    return f"np.where({speed} < {num(p['speed'])}, {speed} / {num(p['speed'])}, {bump})"


def _height(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    if o.get("shape") == "ramp":
        return f"np.clip(next_state.torso_height / {num(p['target'])}, 0.0, 1.0)"
    if o.get("shape") == "above":  # how far above the target, full at target + width
        return (f"np.clip((next_state.torso_height - {num(p['target'])}) / {num(p['width'])}, "
                f"0.0, 1.0)")
    if o.get("shape") == "below":  # how far down from target + width, full at the target
        return (f"np.clip(({num(p['target'])} + {num(p['width'])} - next_state.torso_height) / "
                f"{num(p['width'])}, 0.0, 1.0)")
    return f"np.exp(-((next_state.torso_height - {num(p['target'])}) / {num(p['width'])}) ** 2)"


def _joint_target(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    items = [f"np.exp(-((next_state.joint_angles[{n!r}] - {num(p['target'])}) / "
             f"{num(p['width'])}) ** 2)" for n in _names(o["joints"])]
    return _stack_mean(items)


def _contact(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    flags = [f"next_state.contacts[{n!r}]" for n in _names(o["bodies"])]
    if o.get("partners"):  # a body is down when it or its partner is (a knee: shin or thigh)
        flags = [f"np.logical_or({flag}, next_state.contacts[{n!r}])"
                 for flag, n in zip(flags, _names(o["partners"]), strict=True)]
    stacked = f"np.stack([{', '.join(flags)}], axis=1)"
    mode = o.get("mode")
    if mode == "penalty":  # any of them down costs 1
        return f"-np.any({stacked}, axis=1).astype(np.float64)"
    if mode == "not_all":  # all of them down at once costs 1 (hop on one leg: never both feet)
        return f"-np.all({stacked}, axis=1).astype(np.float64)"
    if mode == "one":  # exactly one of them down pays 1 (one foot, one knee)
        return f"(np.sum({stacked}, axis=1) == 1).astype(np.float64)"
    return _stack_mean([f"{flag}.astype(np.float64)" for flag in flags])


def _rotation(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    return _signed(o["sign"], f"next_state.torso_angular_velocity[:, {AXES[o['axis']]}]")


def _z(field: str, name: str) -> str:
    return f"next_state.{field}[{name!r}][:, 2]"


def _tanh_mean(sharpness: float, gaps: list[str]) -> str:
    return _stack_mean([f"np.tanh({num(sharpness)} * ({gap}))" for gap in gaps])


def _pair_above(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    sign = "" if float(o.get("sign", 1)) > 0 else "-"
    return _tanh_mean(p["sharpness"], [
        f"{sign}({_z('body_positions', a)} - {_z('body_positions', b)}) - {num(p['offset'])}"
        for a, b in zip(_names(o["bodies"]), _names(o["over"]), strict=True)])


def _point_above(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    sign = "" if float(o.get("sign", 1)) > 0 else "-"
    return _tanh_mean(p["sharpness"], [
        f"{sign}({_z('geom_positions', a)} - {_z('geom_positions', b)} - {num(p['lift'])})"
        for a, b in zip(_names(o["points"]), _names(o["over"]), strict=True)])


# World z of each local axis of the torso, from the quaternion (w, x, y, z): the third row of
# its rotation matrix. Local x is the way the body faces, local z its up axis.
_AXIS_UP = {"x": "2.0 * (q[:, 1] * q[:, 3] - q[:, 0] * q[:, 2])",
            "y": "2.0 * (q[:, 2] * q[:, 3] + q[:, 0] * q[:, 1])",
            "z": "1.0 - 2.0 * (q[:, 1] ** 2 + q[:, 2] ** 2)"}


def _torso_axis(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    up = _AXIS_UP[o["axis"]].replace("q[", "next_state.torso_orientation[")
    if o.get("mode") == "abs":  # either way along that axis (on either side)
        return f"np.abs({up})"
    return f"np.clip({_signed(o.get('sign', 1), '(' + up + ')')}, 0.0, 1.0)"


def _body_above(p: Mapping[str, float], o: Mapping[str, Any]) -> str:
    items = [f"np.tanh({num(p['sharpness'])} * (next_state.body_positions[{n!r}][:, 2] - "
             f"next_state.torso_height - {num(p['offset'])}))" for n in _names(o["bodies"])]
    return _stack_mean(items)


TERMS: dict[str, Term] = {t.key: t for t in [
    Term("velocity", "torso velocity along one axis (m/s): the plain 'go that way' term; "
         "unbounded, so faster is always better", ("torso_velocity",), _velocity,
         options={"axis": "x, y or z", "sign": "+1 or -1 (direction along the axis)",
                  "positive_only": "reward only motion in that direction (for jumps)"}),
    Term("target_speed", "a target speed along one axis (at most 1, at the target): for "
         "'slowly' or 'at 2 m/s'. 'approach' (default) pays speed / target below it, so that "
         "the way from rest is uphill (a bump around 3 m/s pays about 1e-7 at rest, and no "
         "policy finds it), and falls as a Gaussian of the tolerance past it; 'bump' is the "
         "Gaussian on both sides", ("torso_velocity",), _target_speed,
         params={"speed": Param(1.0, 0.05, 12.0, "target speed (m/s)"),
                 "width": Param(0.5, 0.05, 3.0, "tolerance (m/s)")},
         options={"axis": "x, y or z", "sign": "+1 or -1",
                  "shape": "'approach' (default: ramp up to the target, bump past it) or "
                           "'bump' (Gaussian around it)"}),
    Term("height", "torso height near a target (gaussian) or at least a target (ramp, 0..1)",
         ("torso_height",), _height,
         params={"target": Param(1.0, 0.05, 3.0, "target torso height (m)"),
                 "width": Param(0.2, 0.02, 1.0, "tolerance (m); for 'above', the rise that "
                                "earns full reward; for 'below', the drop to the target")},
         options={"shape": "'gaussian' (near the target), 'ramp' (h / target, capped at 1), "
                           "'above' (rise over the target, capped at 1: jumps) or 'below' "
                           "(drop from target + width, full at the target: lowering into a "
                           "pose from a taller one)"}),
    Term("upright", "uprightness of the torso, clip(torso_up, 0, 1): penalises falling over and "
         "landing on the back; with sign -1, upside down (a short body on its back)",
         ("torso_up",),
         lambda p, o: f"np.clip({_signed(o.get('sign', 1), 'next_state.torso_up')}, 0.0, 1.0)",
         options={"sign": "+1 upright (default) or -1 upside down"}),
    Term("flat", "1 - |torso_up|: the torso's up axis horizontal (a tall body lying down)",
         ("torso_up",), lambda p, o: "1.0 - np.abs(next_state.torso_up)"),
    Term("torso_axis", "how far one local axis of the torso points up (0..1): local x up is a "
         "tall body lying on its back (facing the sky), -x on its front, |y| on its side",
         ("torso_orientation",), _torso_axis,
         options={"axis": "local axis x (facing), y (left) or z (up)", "sign": "+1 or -1",
                  "mode": "'signed' (default) or 'abs' (either way)"}),
    Term("pair_above", "mean tanh of how far each named body is above (sign +1) or below (-1) "
         "its partner body, minus an offset (-1..1): an elbow over its shoulder is a raised "
         "arm", ("body_positions",), _pair_above,
         params={"offset": Param(0.0, 0.0, 0.5, "margin the height difference must exceed (m)"),
                 "sharpness": Param(5.0, 1.0, 20.0, "slope of the tanh (1/m)")},
         options={"bodies": "body names from the description", "over": "one partner body each",
                  "sign": "+1 above (default) or -1 below"}),
    Term("point_above", "mean tanh of how far each named point (geom_positions) is above (sign "
         "+1) or below (-1) a level: its partner point's centre plus a lift, e.g. a hand over "
         "the top of the head (the head's centre plus its radius)", ("geom_positions",),
         _point_above,
         params={"lift": Param(0.0, 0.0, 0.5, "height of the level above the partner's "
                                              "centre (m)"),
                 "sharpness": Param(5.0, 1.0, 20.0, "slope of the tanh (1/m)")},
         options={"points": "point names from geom_positions", "over": "one partner point each",
                  "sign": "+1 above (default) or -1 below"}),
    Term("joint_target", "mean Gaussian closeness of named joints to a target angle (0..1)",
         ("joint_angles",), _joint_target,
         params={"target": Param(0.0, -3.0, 3.0, "target angle (rad)"),
                 "width": Param(0.3, 0.05, 2.0, "tolerance (rad)")},
         options={"joints": "joint names from the description"}),
    Term("contact", "floor contact of named bodies: mean of the flags (reward), minus 'any' "
         "(penalty), minus 'all at once' (not_all) or 1 when exactly one touches (one)",
         ("contacts",), _contact,
         options={"bodies": "contact names from the description",
                  "partners": "optional, one partner contact per body: that body counts as "
                              "down when it or its partner touches (a knee: shin or thigh)",
                  "mode": "reward, penalty, not_all or one"}),
    Term("rotation", "torso angular velocity about one axis (rad/s): flips (y) and spins (z)",
         ("torso_angular_velocity",), _rotation,
         options={"axis": "x, y or z", "sign": "+1 or -1 (right-hand rule)"}),
    Term("still", "minus the squared horizontal torso speed: stay in place",
         ("torso_velocity",),
         lambda p, o: "-np.sum(next_state.torso_velocity[:, :2] ** 2, axis=1)"),
    Term("action_cost", "minus the sum of squared actions: less effort, smoother motion", (),
         lambda p, o: "-np.sum(action ** 2, axis=1)"),
    Term("joint_speed_cost", "minus the mean squared joint velocity: against jitter",
         ("joint_velocities",),
         lambda p, o: "-np.mean(np.stack(list(next_state.joint_velocities.values()), axis=1) "
                      "** 2, axis=1)"),
    Term("alive", "a constant per step: it changes nothing unless the episode can end early, "
         "then it pays for staying healthy (not falling)", (),
         lambda p, o: "np.ones(action.shape[0])"),
    Term("pole_upright", "cos(pole_angle): 1 with the pole upright", ("pole_angle",),
         lambda p, o: "np.cos(next_state.pole_angle)"),
    Term("cart_centre", "minus the squared cart position: stay near the centre of the rail",
         ("cart_position",), lambda p, o: "-next_state.cart_position ** 2"),
    Term("body_above", "mean tanh of how far named bodies are above the torso centre plus an "
         "offset (-1..1); kept so that older recipe headers still render: new arm recipes use "
         "pair_above (elbow over shoulder), which needs no guess at the head's height",
         ("body_positions", "torso_height"), _body_above,
         params={"offset": Param(0.1, 0.0, 1.0, "height above the torso centre (m)"),
                 "sharpness": Param(5.0, 1.0, 20.0, "slope of the tanh (1/m)")},
         options={"bodies": "body names from the description"}),
]}


def get_term(key: str) -> Term:
    """The library term called ``key``, or a ``KeyError`` listing the known ones."""
    try:
        return TERMS[key]
    except KeyError:
        raise KeyError(f"no reward term {key!r}; known terms: {', '.join(TERMS)}") from None


def round_sig(value: float, digits: int = 3) -> float:
    """Round to ``digits`` significant digits, so sources differ only by meaningful changes."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


@dataclass
class TermChoice:
    """One weighted term of a composed reward.

    Attributes:
        name: the component name (a Python identifier, unique in the reward).
        term: key in the term library.
        weight: positive multiplier; the term's own sign says reward or penalty.
        role: ``"task"`` (what was asked; never dropped), ``"shaping"`` or ``"cost"``.
        params: the term's numeric parameters.
        options: the term's structural options (axis, sign, names).
    """

    name: str
    term: str
    weight: float
    role: str = "shaping"
    params: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A recipe header read back from disk becomes code again: accept only what renders
        # to the expressions above (identifier names, known axes, unit signs, numbers).
        if not self.name.isidentifier() or keyword.iskeyword(self.name) \
                or self.name in _RESERVED:
            raise ValueError(f"component name {self.name!r} is not a usable identifier")
        o = self.options
        if o.get("axis", "x") not in AXES or o.get("sign", 1) not in (1, -1) or not all(
                isinstance(n, str) for key in NAME_KEYS for n in o.get(key, [])):
            raise ValueError(f"term {self.name!r} has invalid options {o!r}")
        self.weight = round_sig(float(self.weight))
        self.params = {**get_term(self.term).defaults(), **self.params}
        self.params = {k: round_sig(float(v)) for k, v in self.params.items()}

    def to_json(self) -> dict[str, Any]:
        """The header entry for this term."""
        return {"name": self.name, "term": self.term, "weight": self.weight, "role": self.role,
                "params": self.params, "options": self.options}

    def copy(self, **changes: Any) -> TermChoice:
        """A copy with some attributes replaced (dicts are copied, not shared)."""
        values = {**self.to_json(), "params": dict(self.params), "options": dict(self.options)}
        return TermChoice(**{**values, **changes})
