"""Where environment descriptions and tasks come from: the shipped ``envs/`` folder, plus any
the user registers.

An ``envs/*.py`` file defines either ``SPEC`` (a
:class:`~rewardsmith.envs.locomotion.LocomotionSpec`) or ``build(model, dt) -> EnvDescription``;
an ``envs/tasks/*.py`` file defines ``TASKS``. They are trusted files that ship with the
package, loaded by path.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.mujoco_warnings import quiet_known_mujoco_warnings
from rewardsmith.errors import UnknownEnvError, UnknownTaskError
from rewardsmith.resources import resource_dir

DescriptionSource = Any  # a LocomotionSpec, or a callable (model, dt) -> EnvDescription

_lock = threading.Lock()
_sources: dict[str, DescriptionSource] = {}
_descriptions: dict[str, EnvDescription] = {}
_tasks: dict[str, Any] = {}
_loaded = False

quiet_known_mujoco_warnings()


def _load_module(path: Path, prefix: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"rewardsmith_{prefix}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_shipped() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        root = resource_dir("envs")
        for path in sorted(root.glob("*.py")):
            module = _load_module(path, "env")
            source = getattr(module, "SPEC", None) or getattr(module, "build", None)
            env_id = source.env_id if hasattr(source, "env_id") else module.ENV_ID
            _sources.setdefault(env_id, source)
        for path in sorted((root / "tasks").glob("*.py")):
            for task in _load_module(path, "tasks").TASKS:
                _tasks.setdefault(task.id, task)
        _loaded = True


def register_env_description(env_id: str, source: DescriptionSource) -> None:
    """Describe your own gymnasium MuJoCo env so rewards can be designed and trained on it.

    Args:
        env_id: the gymnasium id (register the env with ``gymnasium.register`` first).
        source: a :class:`~rewardsmith.envs.locomotion.LocomotionSpec`, or a function
            ``build(model, dt) -> EnvDescription`` for anything that is not a legged robot.
    """
    _load_shipped()
    with _lock:
        _sources[env_id] = source
        _descriptions.pop(env_id, None)


def register_task(task: Any) -> None:
    """Add a task (see :class:`rewardsmith.envs.tasks.Task`)."""
    _load_shipped()
    with _lock:
        _tasks[task.id] = task


def env_ids() -> list[str]:
    """Every environment that has a description."""
    _load_shipped()
    return sorted(_sources)


def get_description(env_id: str) -> EnvDescription:
    """The :class:`EnvDescription` of ``env_id`` (built once against the MuJoCo model)."""
    _load_shipped()
    if env_id in _descriptions:
        return _descriptions[env_id]
    if env_id not in _sources:
        raise UnknownEnvError(
            f"no description for environment {env_id!r}. Known environments: "
            f"{', '.join(env_ids())}. Describe your own with "
            f"rewardsmith.register_env_description()."
        )
    import gymnasium as gym

    env = gym.make(env_id)
    try:
        model, dt = env.unwrapped.model, float(env.unwrapped.dt)
        source = _sources[env_id]
        if callable(source) and not hasattr(source, "env_id"):
            description = source(model, dt)
        else:
            from rewardsmith.envs.locomotion import build_locomotion_description

            description = build_locomotion_description(source, model, dt)
        description.horizon = int(env.spec.max_episode_steps or 1000)
        description.lookup = registered_description  # pickles by env id (see EnvDescription)
    finally:
        env.close()
    with _lock:
        _descriptions[env_id] = description
    return description


def registered_description(env_id: str) -> EnvDescription:
    """A registered description unpickled in this process: the one it has for ``env_id``."""
    try:
        return get_description(env_id)
    except UnknownEnvError as e:
        raise UnknownEnvError(
            f"{e}. The description crossed into this process by its env id; register it here "
            f"too (call rewardsmith.register_env_description in the code that builds the env: "
            f"a subprocess started with spawn or forkserver does not inherit registrations)"
        ) from None


def describe_env(env_id: str) -> str:
    """The text the designer sees for ``env_id``: named state fields, actions, notes."""
    return get_description(env_id).render()


def task_ids() -> list[str]:
    """Every registered task id."""
    _load_shipped()
    return sorted(_tasks)


def get_task(task_id: str) -> Any:
    """The :class:`~rewardsmith.envs.tasks.Task` called ``task_id``."""
    _load_shipped()
    try:
        return _tasks[task_id]
    except KeyError:
        raise UnknownTaskError(
            f"unknown task {task_id!r}. Built-in tasks: {', '.join(task_ids())}."
        ) from None


def all_tasks() -> list[Any]:
    """Every registered task, sorted by id."""
    _load_shipped()
    return [_tasks[t] for t in sorted(_tasks)]


SourceBuilder = Callable[[Any, float], EnvDescription]
