"""The shapes of the JSON data a sandboxed job returns, and the check against them.

Everything a job writes was written, or could have been replaced, by the candidate's code, so
every value is checked before a caller sees it: a value of the wrong type becomes a short
:class:`OutputRefused` reason naming the field, never a ``TypeError`` deep inside the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rewardsmith.errors import RewardsmithError


class OutputRefused(RewardsmithError):
    """A job's output is not what the job writes: missing, planted, oversized or malformed.

    Attributes:
        where: the file (relative to the job's folder) and, for data, the field.
        problem: what is wrong, with the expected and the actual value.
        missing: the file does not exist (a required file missing, or none was written).
    """

    def __init__(self, where: str, problem: str, *, missing: bool = False):
        super().__init__(f"{where} {problem}")
        self.where, self.problem, self.missing = where, problem, missing

    def __reduce__(self):  # keep it picklable (Ray, process pools) with its keyword argument
        return _refused, (self.where, self.problem, self.missing)


def _refused(where: str, problem: str, missing: bool) -> OutputRefused:
    return OutputRefused(where, problem, missing=missing)


def parse_json(data: bytes, where: str) -> Any:
    """JSON text a job wrote, or :class:`OutputRefused` with the reason (never another error)."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise OutputRefused(where, f"is not UTF-8 text (bad byte at offset {e.start})") from None
    except json.JSONDecodeError as e:
        raise OutputRefused(where, f"is not JSON ({e.msg} at line {e.lineno}, column "
                                   f"{e.colno})") from None
    except (ValueError, RecursionError) as e:  # a 5000-digit integer, [[[[... 100k deep
        raise OutputRefused(where, f"is not JSON a job writes ({type(e).__name__})") from None


def describe_value(value: Any) -> str:
    """A short, escaped description of a value for a message (it may be hostile)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, list | dict):
        return f"a {'list' if isinstance(value, list) else 'JSON object'} of {len(value)} items"
    shown = ascii(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"a {type(value).__name__} ({shown})"


class Shape:
    """A JSON value's expected type; calling it checks a value and returns its trusted form."""

    optional = False

    def __call__(self, value: Any, where: str) -> Any:
        if value is None and self.optional:
            return None
        return self.check(value, where)

    def check(self, value: Any, where: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def refuse(self, value: Any, where: str, expected: str) -> OutputRefused:
        """The error for ``value`` at ``where``, which should have been ``expected``."""
        return OutputRefused(where, f"is {describe_value(value)}, expected {expected}"
                                    + (" or null" if self.optional else ""))


class Num(Shape):
    """A number (int or float, not bool; NaN and infinities are numbers too)."""

    def __init__(self, optional: bool = False):
        self.optional = optional

    def check(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                (isinstance(value, int) and abs(value) >= 1 << 63):
            raise self.refuse(value, where, "a number")
        return value


class Int(Num):
    """An integer that fits in 64 bits."""

    def check(self, value: Any, where: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 1 << 63:
            raise self.refuse(value, where, "an integer")
        return value


class Flag(Num):
    """A bool."""

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, bool):
            raise self.refuse(value, where, "true or false")
        return value


class Text(Shape):
    """A printable string (no control characters, no terminal escapes) of bounded length."""

    def __init__(self, max_len: int = 200, optional: bool = False):
        self.max_len, self.optional = max_len, optional

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, str):
            raise self.refuse(value, where, "a string")
        if len(value) > self.max_len:
            raise OutputRefused(where, f"is a string of {len(value):,} characters, more than "
                                       f"the {self.max_len} allowed")
        if not value.isprintable():
            raise OutputRefused(where, f"holds control characters ({describe_value(value)})")
        return value


class ListOf(Shape):
    """A list of values of one shape."""

    def __init__(self, item: Shape, max_items: int = 10_000, optional: bool = False):
        self.item, self.max_items, self.optional = item, max_items, optional

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, list):
            raise self.refuse(value, where, "a list")
        if len(value) > self.max_items:
            raise OutputRefused(where, f"has {len(value):,} items, more than the "
                                       f"{self.max_items:,} allowed")
        return [self.item(v, f"{where}[{i}]") for i, v in enumerate(value)]


class MapOf(Shape):
    """A JSON object from printable names to values of one shape."""

    def __init__(self, value: Shape, max_items: int = 1000, optional: bool = False):
        self.value, self.max_items, self.optional = value, max_items, optional
        self.key = Text(200)

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise self.refuse(value, where, "a JSON object")
        if len(value) > self.max_items:
            raise OutputRefused(where, f"has {len(value):,} entries, more than the "
                                       f"{self.max_items:,} allowed")
        return {self.key(k, f"{where} key"): self.value(v, f"{where}.{k}")
                for k, v in value.items()}


class Record(Shape):
    """A JSON object with known fields; fields not listed are dropped, missing ones stay missing.

    Args:
        fields: name -> shape.
        required: names that must be present.
        exact: the object must hold exactly ``fields`` (an event), no more and no fewer.
    """

    def __init__(self, fields: Mapping[str, Shape], required: Sequence[str] = (),
                 optional: bool = False, exact: bool = False):
        self.fields, self.optional, self.exact = dict(fields), optional, exact
        self.required = tuple(fields) if exact else tuple(required)

    def check(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise self.refuse(value, where, "a JSON object")
        missing = [k for k in self.required if k not in value]
        if missing:
            raise OutputRefused(where, f"has no field {missing[0]!r}")
        if self.exact:
            extra = sorted(str(k) for k in value if k not in self.fields)
            if extra:
                raise OutputRefused(where, f"has a field {ascii(extra[0][:40])} it never has")
        return {k: shape(value[k], f"{where}.{k}") for k, shape in self.fields.items()
                if k in value}


class AnyJson(Shape):
    """Any JSON data of bounded depth and size (e.g. env kwargs), strings printable."""

    def __init__(self, max_depth: int = 4, optional: bool = True):
        self.max_depth, self.optional = max_depth, optional

    def check(self, value: Any, where: str, depth: int = 0) -> Any:
        if depth > self.max_depth:
            raise OutputRefused(where, f"is nested more than {self.max_depth} levels deep")
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return Num()(value, where)
        if isinstance(value, str):
            return Text(1000)(value, where)
        if isinstance(value, list | dict) and len(value) > 1000:
            raise OutputRefused(where, f"has {len(value):,} items, more than the 1,000 allowed")
        if isinstance(value, list):
            return [self.check(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {Text(200)(k, f"{where} key"): self.check(v, f"{where}.{k}", depth + 1)
                    for k, v in value.items()}
        raise self.refuse(value, where, "JSON data")


# One evaluation during training: rewardsmith.rl.evaluation.EvalResult and the callback's record.
EVAL_RECORD = Record({
    "steps": Int(), "wall_s": Num(), "fitness_mean": Num(True), "fitness_std": Num(True),
    "success_rate": Num(True), "episode_length": Num(), "env_return": Num(),
    "reward_return": Num(), "component_returns": MapOf(Num()),
    "episode_fitness": ListOf(Num(True), 1000), "ended_by": MapOf(Int()),
    "traces": MapOf(ListOf(Num(True), 10_000)),
    "training_components": MapOf(Record({"mean": Num(True), "min": Num(True),
                                         "max": Num(True), "episode_sum": Num(True)})),
})
# A training's metrics.json (rewardsmith.rl.training.train).
TRAIN_METRICS = Record({
    "task": Text(optional=True), "env": Text(), "env_kwargs": MapOf(AnyJson()), "algo": Text(),
    "algo_kwargs": MapOf(AnyJson()),
    "seed": Int(), "steps": Int(), "budget": Int(), "train_wall_s": Num(), "wall_s": Num(),
    "steps_per_s": Num(True), "success_threshold": Num(True), "success": Flag(),
    "first_success_steps": Int(True), "best_fitness": Num(True), "reward_origin": Text(1000),
    "returned": Record({"from": Text(10), "steps": Int(), "picked_by_fitness": Num(True)}),
    "final": EVAL_RECORD, "last": EVAL_RECORD, "evals": ListOf(EVAL_RECORD, 10_000),
}, required=("final",))
# One re-evaluated episode (rewardsmith.sandbox.jobs.reevaluate._summarise).
EPISODE = Record({
    "length": Int(), "ended": Text(), "fitness": Num(True), "reward_return": Num(),
    "env_return": Num(), "component_returns": MapOf(Num()),
    "trace_steps": ListOf(Int(), 10_000), "trace": MapOf(ListOf(Num(True), 10_000)),
})
# What each job kind returns in result.json; a kind not listed here is not checked.
RESULT_SHAPES: dict[str, Shape] = {
    "train": Record({"out": Text(1000), "metrics": TRAIN_METRICS}, required=("metrics",)),
    "reevaluate": Record({
        "policy": Text(1000), "seeds": ListOf(Int(), 1000), "n_episodes": Int(),
        "fitness_mean": Num(True), "fitness_sem": Num(True), "success_rate": Num(True),
        "per_seed": ListOf(Record({
            "seed": Int(), "fitness_mean": Num(True), "success_rate": Num(True),
            "ended_by": MapOf(Int()), "episodes": ListOf(EPISODE, 1000)}), 1000),
    }),
    "fitness_smoke": Record({
        "ok": Flag(), "message": Text(4000), "threshold": Num(),
        "per_step": Record({"min": Num(), "mean": Num(), "max": Num()}),
        "baselines": MapOf(Record({"fitness": ListOf(Num(), 100), "reached": Int(),
                                   "lengths": ListOf(Int(), 100)})),
        "pushed": Record({"states": Int(), "min": Num(), "max": Num()}),
    }, required=("ok", "message", "per_step", "baselines")),
}
# vecnormalize.json (rewardsmith.rl.safe_policy.save_safe_policy): types only; the loader checks
# the sizes against the env.
VECNORMALIZE_STATS = Record({
    "format": Text(), "obs_mean": ListOf(Num()), "obs_var": ListOf(Num()), "count": Num(),
    "clip_obs": Num(), "epsilon": Num(), "norm_obs": Flag(),
}, required=("obs_mean", "obs_var", "count", "clip_obs", "epsilon"))


def check_result(kind: str, value: Any, where: str = "result.json: result") -> Any:
    """The trusted form of what a job of ``kind`` returned (unchanged for unchecked kinds).

    Raises:
        OutputRefused: a field has the wrong type or size; the message names it.
    """
    shape = RESULT_SHAPES.get(kind)
    return value if shape is None else shape(value, where)


def json_check(shape: Shape) -> Callable[[bytes, str], bytes]:
    """A :attr:`Expected.check` that parses JSON, checks its shape and writes it out afresh."""

    def check(data: bytes, where: str) -> bytes:
        value = shape(parse_json(data, where), where)
        return (json.dumps(value, indent=2) + "\n").encode("utf-8")

    return check
