"""The fitness contract (DESIGN.md, Task): how success is measured, apart from the reward.

A fitness program is a module defining ``compute_fitness(state, action, next_state)`` that returns
one score per transition, shape ``(B,)``, over the same named state as a reward, and a literal
``SUCCESS_THRESHOLD``. An episode's fitness is the sum of the per-step scores divided by the
env's horizon (the rule of the built-in tasks), so an episode that ends early counts its missing
steps as zero, and a per-step score in [0, 1] gives an episode fitness in [0, 1].

The designer writes one when no built-in task measures a request (or the user gives one with
``--fitness``); it is written once, before any reward, and never edited by the loop. It is
untrusted code like a reward: it runs only in the sandbox worker. The parent reads the threshold
out of the source *text* (:func:`read_threshold`), never by running it.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from rewardsmith.errors import RewardContractError

FITNESS_ENTRY = "compute_fitness"
THRESHOLD_NAME = "SUCCESS_THRESHOLD"


def validate_fitness_output(output: Any, batch_size: int) -> np.ndarray:
    """Check what ``compute_fitness`` returned: a finite float array of shape ``(B,)``.

    Raises:
        RewardContractError: naming what is wrong (type, shape, NaN/inf).
    """
    try:
        array = np.asarray(output, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise RewardContractError(
            f"compute_fitness must return a numeric (B,) array; got "
            f"{type(output).__name__}: {e}") from e
    if array.shape != (batch_size,):
        raise RewardContractError(
            f"compute_fitness returned shape {array.shape}; expected ({batch_size},), one "
            f"score per environment in the batch")
    if not np.all(np.isfinite(array)):
        raise RewardContractError(
            f"compute_fitness returned {int(np.count_nonzero(~np.isfinite(array)))} non-finite "
            f"value(s) out of {batch_size}; guard divisions and logs")
    return array


def read_threshold(source: str) -> float | None:
    """The literal ``SUCCESS_THRESHOLD = <number>`` of a fitness program, read without running it.

    Returns None when the module assigns none; raises when it assigns something that is not a
    finite number literal (an expression would have to be executed to be read).

    Raises:
        RewardContractError: the threshold is not a plain finite number.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise RewardContractError(f"fitness program: syntax error on line {e.lineno}: {e.msg}") \
            from e
    value = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == THRESHOLD_NAME for t in node.targets):
            value = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == THRESHOLD_NAME:
            value = node.value
    if value is None:
        return None
    try:
        number = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        number = None
    if isinstance(number, bool) or not isinstance(number, int | float) \
            or not math.isfinite(number):
        raise RewardContractError(
            f"{THRESHOLD_NAME} must be a plain number, e.g. {THRESHOLD_NAME} = 0.8; got "
            f"`{ast.unparse(value)[:80]}`")
    return float(number)


def fitness_doc(source: str) -> str:
    """The first paragraph of the fitness program's docstring: what it measures, in words."""
    try:
        doc = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")[:400]
