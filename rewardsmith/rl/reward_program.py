"""Load a reward program written for the contract of :mod:`rewardsmith.contract.reward`.

This runs the program's code in the calling process: it is for rewards you chose to trust (the
winner of a design run, one you wrote). Candidates of a design run never come through here; they
run only in the sandbox worker.

The program is compiled from memory, from the text that was read (or given), into a fresh module
each load: no file is written or imported from a shared place such as ``/tmp``, where anyone who
can write there could plant code to run in its place. Its lines are registered with
:mod:`linecache`, so tracebacks and ``inspect.getsource`` still show them. A
:class:`RewardProgram` pickles as its source text and is compiled again when unpickled, so it
crosses process boundaries (``SubprocVecEnv``, Ray, process pools, ``spawn`` and ``forkserver``
start methods); its module is registered with cloudpickle to pickle *by value*, so a function
taken out of it (``program.fn``, a helper) crosses too, instead of failing in the subprocess
with "No module named 'rewardsmith_reward_...'".

:func:`resolve_reward` is what every wrapper calls on its ``reward`` argument: a path (what a
YAML config can name), source text or a callable, checked at construction so a wrong argument
fails there, in one line, and not at the first step.
"""

from __future__ import annotations

import hashlib
import inspect
import linecache
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.contract.reward import RewardFn, validate_reward_output
from rewardsmith.errors import RewardLoadError
from rewardsmith.rl.transitions import record_transitions


class RewardProgram:
    """A loaded reward program: callable like :class:`RewardFn`, with its source kept."""

    def __init__(self, fn: RewardFn, source: str, origin: str):
        self.fn = fn
        self.source = source
        self.origin = origin

    def __call__(self, state: Any, action: np.ndarray, next_state: Any
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return self.fn(state, action, next_state)

    def __repr__(self) -> str:
        return f"RewardProgram(origin={self.origin!r})"

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        # By source, not by reference to a module that exists only in this process.
        return _program_from_source, (self.source, self.origin)

    def __copy__(self) -> RewardProgram:
        return self  # immutable, like the function it wraps (gymnasium deep-copies wrapper args)

    def __deepcopy__(self, memo: dict[int, Any]) -> RewardProgram:
        return self


def _program_from_source(source: str, origin: str) -> RewardProgram:
    """Rebuild a pickled :class:`RewardProgram` by compiling its source again."""
    return RewardProgram(_import_source(source, origin), source, origin)


def load_reward(path_or_source: str | Path, env: str | None = None) -> RewardProgram:
    """Load a trusted reward program from a file path or from source text.

    Args:
        path_or_source: a ``.py`` file, or the source of one (anything containing a newline).
        env: optional env id: the program is then called once on a recorded transition of that
            env, so a wrong field name fails here and not deep inside training.

    Returns:
        A callable :class:`RewardProgram`.

    Raises:
        RewardLoadError: missing file, syntax error, or no ``compute_reward``.
        RewardContractError: the test call on ``env`` broke the contract.
    """
    text = str(path_or_source)
    if "\n" in text or "def compute_reward" in text:
        source, origin = text, "<source>"
    else:
        path = Path(text)
        if not path.is_file():
            raise RewardLoadError(f"reward file {path} does not exist")
        source, origin = path.read_text(), str(path)
    program = RewardProgram(_import_source(source, origin), source, origin)
    if env is not None:
        state, action, next_state = record_transitions(env, n_steps=4, seed=0).as_batch()
        validate_reward_output(program(state, action, next_state), state.batch_size)
    return program


def _import_source(source: str, origin: str) -> RewardFn:
    """Compile trusted source into a fresh module, from memory, and return its function.

    The module is named after the source's hash and registered in ``sys.modules`` before its
    code runs (so classes and functions it defines pickle by reference in this process, and
    ``dataclasses`` find their module). Tracebacks name ``origin``'s path for a file, or
    ``<reward HASH>`` for source text; :mod:`linecache` holds the lines either way, so they show
    even when the file changed or never existed.
    """
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    name = f"rewardsmith_reward_{digest}"
    filename = origin if origin != "<source>" else f"<reward {digest}>"
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as e:
        raise RewardLoadError(f"{origin}: syntax error on line {e.lineno}: {e.msg}; fix the "
                              f"program's Python syntax and load it again") from e
    # mtime None: linecache.checkcache() keeps the entry instead of rereading the path.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    module = types.ModuleType(name, f"reward program loaded from {origin}")
    module.__file__ = filename
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102  (trusted code: see the module docstring)
    except BaseException:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        raise
    _pickle_by_value(module)
    fn = getattr(module, "compute_reward", None)
    if not callable(fn):
        raise RewardLoadError(
            f"{origin} defines no function compute_reward(state, action, next_state); define "
            f"one that returns (total, components)"
        )
    return fn


def _pickle_by_value(module: types.ModuleType) -> None:
    """Let cloudpickle (what SB3 and gymnasium pickle env factories with) copy the module's
    functions by value: a subprocess has no module of that name to import them from."""
    try:
        import cloudpickle
    except ImportError:  # gymnasium depends on it; without it nothing pickles env factories
        return
    cloudpickle.register_pickle_by_value(module)


def resolve_reward(reward: Any, owner: str = "RewardWrapper") -> RewardFn:
    """The reward callable for a wrapper's ``reward`` argument, checked now.

    Args:
        reward: a reward file path (``str`` or :class:`~pathlib.Path`), reward source text, or a
            callable ``compute_reward(state, action, next_state)`` (e.g. from
            :func:`load_reward`).
        owner: the wrapper's name, for the message.

    Raises:
        RewardLoadError: a path that is not a file, or a file that is not a reward program.
        TypeError: neither a path nor a callable of three arguments.
    """
    if isinstance(reward, str | Path):
        try:
            return load_reward(reward)
        except RewardLoadError as e:
            raise RewardLoadError(f"{owner}(reward={_short(reward)}): {e}") from None
    if not callable(reward):
        raise TypeError(f"{owner}(reward=...) needs a reward file path or a callable "
                        f"compute_reward(state, action, next_state); got {type(reward).__name__} "
                        f"{_short(reward)}")
    try:
        inspect.signature(reward).bind(None, None, None)
    except TypeError:
        raise TypeError(f"{owner}(reward=...): {_short(reward)} cannot be called as "
                        f"reward(state, action, next_state); pass compute_reward or a reward "
                        f"file path") from None
    except ValueError:  # no signature to read (some builtins): let the first call tell
        pass
    return reward


def _short(value: Any) -> str:
    text = repr(str(value) if isinstance(value, Path) else value)
    return text if len(text) <= 80 else text[:77] + "..."


RewardSource = str | Path | Callable[..., Any]
