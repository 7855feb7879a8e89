"""Turn what the user typed (text, --env, --task) into a task to design for.

``rewardsmith design "make humanoid kneel"`` names no env: the env named in the text is chosen
and printed. When the text asks for what a built-in task on that env does (same behaviours,
same direction), its fitness scores the candidates (the designer never sees it); otherwise the
task has no fitness and candidates are ranked by preferences.

The text is read by :mod:`rewardsmith.envs.intent`, the same parser the offline designer
composes its reward from, so the fitness chosen here and the reward designed there come from one
reading of the text ("run back" is backwards for both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rewardsmith.envs.intent import ENV_WORDS, TaskIntent, env_named_in, parse_task
from rewardsmith.envs.registry import all_tasks, env_ids, get_task
from rewardsmith.errors import RewardsmithError

# ENV_WORDS and env_from_text are re-exported: callers (the CLI) import them from here.
__all__ = ["ENV_WORDS", "ResolvedTask", "env_from_text", "match_builtin_task", "resolve_task"]


@dataclass(frozen=True)
class ResolvedTask:
    """What the design loop works on.

    Attributes:
        text: the task text the designer sees.
        env_id: the environment.
        env_kwargs: passed to ``gymnasium.make``.
        task: the built-in task whose fitness scores candidates, or None (preferences only).
        notes: lines to print (which env was chosen, which fitness is used).
    """

    text: str
    env_id: str
    env_kwargs: dict[str, Any]
    task: Any
    notes: tuple[str, ...] = ()

    @property
    def has_fitness(self) -> bool:
        """Whether candidates can be ranked by a task fitness."""
        return self.task is not None


def env_from_text(text: str) -> str:
    """The env named in ``text``; a clear error listing the known ones otherwise."""
    env_id = env_named_in(text)
    if env_id is not None:
        return env_id
    raise RewardsmithError(
        f"could not tell which environment {text!r} is about. Name the robot in the text "
        f"(cheetah, hopper, walker, ant, humanoid, pendulum) or pass --env; known "
        f"environments: {', '.join(env_ids())}."
    )


def _heading(intent: TaskIntent) -> tuple[str, bool]:
    """Axis and whether it is backwards; a text that names no direction means forward."""
    return intent.axis, intent.direction < 0


def _fits(asked: TaskIntent, offered: TaskIntent) -> bool:
    """Whether a task whose text reads as ``offered`` scores what a text reading ``asked`` wants.

    Every behaviour asked for must be one the task does (its fitness scores nothing else), the
    heading must agree (a forward fitness rewards the opposite of "run back"), and a rotation or
    speed named by both must be the same (a backflip fitness does not score a front flip, "as
    fast as possible" does not score "slowly"). What only one side names does not conflict.
    """
    if not asked.behaviours or not set(asked.behaviours) <= set(offered.behaviours):
        return False
    if _heading(asked) != _heading(offered):
        return False
    if asked.rotation and offered.rotation and asked.rotation != offered.rotation:
        return False
    return not (asked.speed and offered.speed
                and (asked.speed, asked.target_speed) != (offered.speed, offered.target_speed))


def match_builtin_task(text: str, env_id: str) -> Any:
    """The built-in task on ``env_id`` that ``text`` asks for, or None.

    Both the text and each task's own text are read by :func:`~rewardsmith.envs.intent.parse_task`
    and compared (:func:`_fits`); a text the parser finds no behaviour in matches nothing, so
    its candidates are ranked by preferences rather than by a fitness that may score something
    else. When several tasks fit, the one doing the fewest behaviours beyond those asked wins.
    """
    asked = parse_task(text)
    best, best_extra = None, None
    for task in all_tasks():
        if task.env_id != env_id:
            continue
        offered = parse_task(task.text)
        if not _fits(asked, offered):
            continue
        extra = len(set(offered.behaviours) - set(asked.behaviours))
        if best_extra is None or extra < best_extra:
            best, best_extra = task, extra
    return best


def resolve_task(text: str | None, env: str | None = None, task: str | None = None
                 ) -> ResolvedTask:
    """Resolve the CLI's ``TEXT``, ``--env`` and ``--task`` into a :class:`ResolvedTask`."""
    notes: list[str] = []
    if task is not None:
        builtin = get_task(task)
        if env is not None and env != builtin.env_id:
            raise RewardsmithError(f"task {task} runs on {builtin.env_id}, not {env}")
        return ResolvedTask(text or builtin.text, builtin.env_id, dict(builtin.env_kwargs),
                            builtin, (f"task {builtin.id} on {builtin.env_id}",))
    if not text:
        raise RewardsmithError("say what you want (a TEXT argument) or give --task TASK")
    if env is None:
        env = env_from_text(text)
        notes.append(f"environment {env} (named in the text; pass --env to choose another)")
    elif env not in env_ids():
        raise RewardsmithError(f"unknown environment {env!r}; known: {', '.join(env_ids())}")
    builtin = match_builtin_task(text, env)
    if builtin is not None:
        notes.append(f"scoring candidates with the fitness of built-in task {builtin.id} "
                     f"({builtin.fitness_doc}); the designer never sees it")
        return ResolvedTask(text, env, dict(builtin.env_kwargs), builtin, tuple(notes))
    notes.append("no built-in task matches this text: candidates are ranked by preferences")
    return ResolvedTask(text, env, {}, None, tuple(notes))
