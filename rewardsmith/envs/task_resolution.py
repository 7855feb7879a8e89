"""Turn what the user typed (text, --env, --task) into a task to design for.

``rewardsmith design "make humanoid kneel"`` names no env: the env named in the text is chosen
and printed. When the text matches a built-in task on that env (same robot, same direction), its
fitness scores the candidates (the designer never sees it); otherwise the task has no fitness and
candidates are ranked by preferences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rewardsmith.envs.registry import all_tasks, env_ids, get_task
from rewardsmith.errors import RewardsmithError

# Words that name a robot -> env id (checked in this order: "half cheetah" before "cheetah").
ENV_WORDS: list[tuple[str, str]] = [
    (r"half[\s_-]?cheetah|cheetah", "HalfCheetah-v5"),
    (r"hopper|one[\s-]legged", "Hopper-v5"),
    (r"walker|biped|two[\s-]legged", "Walker2d-v5"),
    (r"\bants?\b|quadruped|four[\s-]legged", "Ant-v5"),
    (r"humanoid|human|person", "Humanoid-v5"),
    (r"pendulum|pole|cart", "InvertedPendulum-v5"),
]
_OPPOSITES = ("backward", "backwards", "reverse")
_STOP = {"make", "the", "a", "an", "to", "as", "possible", "half", "please", "and", "of", "its",
         "on", "it", "cheetah", "hopper", "walker", "ant", "humanoid", "pendulum", "pole", "cart",
         "robot", "agent"}


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
    lowered = text.lower()
    for pattern, env_id in ENV_WORDS:
        if re.search(pattern, lowered):
            return env_id
    raise RewardsmithError(
        f"could not tell which environment {text!r} is about. Name the robot in the text "
        f"(cheetah, hopper, walker, ant, humanoid, pendulum) or pass --env; known "
        f"environments: {', '.join(env_ids())}."
    )


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower())) - _STOP
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words}


def match_builtin_task(text: str, env_id: str) -> Any:
    """The built-in task on ``env_id`` that ``text`` asks for, or None.

    A match needs the same direction (forward vs backwards) and a shared action word.
    """
    words = _words(text)
    backwards = any(w in text.lower() for w in _OPPOSITES)
    best, best_overlap = None, 0
    for task in all_tasks():
        if task.env_id != env_id:
            continue
        task_backwards = any(w in task.text.lower() for w in _OPPOSITES)
        if task_backwards != backwards:
            continue
        overlap = len(words & (_words(task.text) | _words(task.id.replace("-", " "))))
        if overlap > best_overlap:
            best, best_overlap = task, overlap
    return best if best_overlap >= 1 else None


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
