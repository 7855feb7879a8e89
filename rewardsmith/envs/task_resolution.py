"""Turn what the user typed (text, --env, --task) into a task to design for.

``rewardsmith design "make humanoid kneel"`` names no env: the env named in the text is chosen
and printed. A built-in task's fitness scores the candidates (the designer never sees it) only
when it measures what the text asks: the same behaviours, the same direction, and no qualifier
the task does not carry (a target speed, "slowly", one knee or one arm, a side, "in place",
stillness, which way to lie). A fitness that scores something close but different is worse than
none: "trot at a steady 1 m/s" scored by top speed rewards the opposite of what was asked, and
nothing would say so. Every task considered gets a :class:`TaskMatch` with a short reason, and
the notes say which was chosen and why, or why none was; when none is, ``task`` stays None and
the caller decides what measures success. Such a request also gets env settings of its own
(:mod:`rewardsmith.envs.env_settings`): a low pose runs without early termination.

The text is read by :mod:`rewardsmith.envs.intent`, the same parser the offline designer
composes its reward from, so the fitness chosen here and the reward designed there come from one
reading of the text ("run back" is backwards for both).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.env_settings import env_settings_for
from rewardsmith.envs.exploration import exploration_for
from rewardsmith.envs.intent import (
    ENV_WORDS,
    TaskIntent,
    env_named_in,
    match_parts,
    parse_limbs,
    parse_task,
)
from rewardsmith.envs.registry import all_tasks, env_ids, get_description, get_task
from rewardsmith.errors import RewardsmithError

# ENV_WORDS and env_from_text are re-exported: callers (the CLI) import them from here.
__all__ = ["ENV_WORDS", "ResolvedTask", "TaskMatch", "env_from_text", "explain_matches",
           "match_builtin_task", "resolve_task"]

NO_FITNESS_NOTE = "no built-in fitness measures this text"

_DOING = {"balance": "balancing", "flip": "flipping", "spin": "turning",
          "kneel": "kneeling", "sit": "sitting", "lie": "lying down", "crouch": "crouching",
          "raise_arms": "raising the arms", "stand": "standing", "jump": "jumping",
          "move": "moving"}
_HEADINGS = {("x", False): "forward", ("x", True): "backward", ("y", False): "to the left",
             ("y", True): "to the right"}
_ROTATIONS = {("flip", 1): "front flips", ("flip", -1): "backflips",
              ("spin", 1): "turning counter-clockwise (left)",
              ("spin", -1): "turning clockwise (right)"}


@dataclass(frozen=True)
class TaskMatch:
    """One built-in task considered for a text: whether its fitness measures the text, and why.

    Attributes:
        task: the built-in task.
        fits: its fitness measures what the text asks.
        reason: what it measures against what the text asks, e.g. "measures both shins; the text
            asks for one knee"; for a fit, what it measures.
        extra: behaviours the task scores beyond those asked (the fewest wins among fits).
    """

    task: Any
    fits: bool
    reason: str
    extra: int = 0

    @property
    def line(self) -> str:
        """``"<task id>: <reason>"``, one line for the notes."""
        return f"{self.task.id}: {self.reason}"


@dataclass(frozen=True)
class ResolvedTask:
    """What the design loop works on.

    Attributes:
        text: the task text the designer sees.
        env_id: the environment.
        env_kwargs: passed to ``gymnasium.make`` (the built-in task's, or the request's own
            settings when none matched; see ``env_kwargs_reason``).
        task: the built-in task whose fitness scores candidates, or None when no built-in
            fitness measures the text (the caller decides what measures success then).
        notes: lines to print (which env was chosen, which fitness is used or why none is).
        intent: the text as read by :func:`~rewardsmith.envs.intent.parse_task`, with the env's
            description (named joints and bodies filled in); what a written fitness follows.
        matches: every built-in task on the env that was considered, with its reason.
        env_kwargs_reason: how episodes run where ``env_kwargs`` change the env's early
            termination (one sentence, also in ``notes``; the designer sees it): the request's
            own settings, or a built-in task's :attr:`~rewardsmith.envs.tasks.Task.env_note`.
        algo_kwargs: overrides of the env's tuned training settings the behaviour needs (the
            built-in task's, or the request's own: :mod:`rewardsmith.envs.exploration`); why
            is in ``notes``.
    """

    text: str
    env_id: str
    env_kwargs: dict[str, Any]
    task: Any
    notes: tuple[str, ...] = ()
    intent: TaskIntent = field(default_factory=TaskIntent)
    matches: tuple[TaskMatch, ...] = ()
    env_kwargs_reason: str = ""
    algo_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def has_fitness(self) -> bool:
        """Whether candidates can be ranked by a built-in task's fitness."""
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


def _plural(limb: str) -> str:
    return "feet" if limb == "foot" else f"{limb}s"


def _limbs(intent: TaskIntent) -> str:
    if intent.limb_count == 2:
        return f"both {_plural(intent.limb or 'limb')}"
    if intent.limb_count == 1:
        return f"the {intent.side} {intent.limb}" if intent.side else f"one {intent.limb}"
    return ""


def _speed(intent: TaskIntent) -> str:
    if intent.speed == "target":
        return f"{intent.target_speed:g} m/s"
    return {"slow": "a slow pace", "fast": "top speed"}.get(intent.speed or "", "")


def _doing(intent: TaskIntent) -> str:
    return " and ".join(_DOING[b] for b in intent.behaviours) or "nothing the text names"


def _mismatch(asked: TaskIntent, offered: TaskIntent) -> str | None:
    """Why a fitness reading as ``offered`` does not measure a text reading as ``asked``.

    None when it does: every behaviour asked is one the task scores (its fitness scores nothing
    else), the heading agrees when either moves (a forward fitness rewards the opposite of "run
    back"), a rotation named by both agrees, and every qualifier the text carries (target speed
    or "slowly", one limb or a side, straight or bent joints, in place, stillness, which way to
    lie) the task carries too, and the other way round for the ones that narrow what counts
    (a task for one leg does not score plain standing). "Fast" needs no qualifier on the task:
    a fitness that scores travel ranks the faster policy higher.
    """
    missing = [b for b in asked.behaviours if b not in offered.behaviours]
    if missing:
        return (f"measures {_doing(offered)}; the text asks for "
                f"{' and '.join(_DOING[b] for b in missing)}")
    moves = "move" in asked.behaviours or "move" in offered.behaviours
    if moves and _heading(asked) != _heading(offered):
        return (f"measures moving {_HEADINGS[_heading(offered)]}; the text asks for moving "
                f"{_HEADINGS[_heading(asked)]}")
    if asked.rotation and offered.rotation and asked.rotation != offered.rotation:
        kind = "flip" if "flip" in offered.behaviours else "spin"
        return (f"measures {_ROTATIONS[kind, offered.rotation]}; the text asks for "
                f"{_ROTATIONS[kind, asked.rotation]}")
    narrows = {"slow", "target"}
    if (asked.speed in narrows or offered.speed in narrows) \
            and (asked.speed, asked.target_speed) != (offered.speed, offered.target_speed):
        measured = _speed(offered) or ("speed, the faster the better" if moves else "no speed")
        return f"measures {measured}; the text asks for {_speed(asked) or 'no set speed'}"
    if (asked.limb_count is not None or offered.limb_count == 1) \
            and (asked.limb_count, asked.side) != (offered.limb_count, offered.side):
        return (f"measures {_limbs(offered) or 'no particular ' + (asked.limb or 'limb')}; "
                f"the text asks for {_limbs(asked) or 'no particular ' + (offered.limb or 'limb')}")
    if asked.joint_goal and asked.joint_goal != offered.joint_goal:
        return f"does not measure joint angles; the text asks for {asked.joint_goal} joints"
    for flag, words in (("in_place", "staying in place"), ("still", "stillness")):
        if getattr(asked, flag) != getattr(offered, flag):
            return (f"does not measure {words}; the text asks for it" if getattr(asked, flag)
                    else f"measures {words}; the text does not ask for it")
    if asked.lie_on != offered.lie_on and (asked.lie_on or offered.lie_on):
        return (f"measures lying on its {offered.lie_on or 'any side'}; the text asks for its "
                f"{asked.lie_on or 'any side'}")
    return None


def _moot_limbs(intent: TaskIntent, description: EnvDescription | None) -> TaskIntent:
    """Drop "one leg" on a robot with one leg: the qualifier then narrows nothing."""
    if intent.limb_count != 1 or intent.side or intent.limb is None or description is None:
        return intent
    if len(match_parts(intent.limb, description)[1]) == 1:
        return replace(intent, limb=None, limb_count=None)
    return intent


def _measured(task: Any, description: EnvDescription | None) -> TaskIntent:
    """What a task's fitness measures, read from its text; limbs from its fitness doc if unsaid.

    "make the humanoid kneel" does not say how many knees; its fitness doc does ("both shins").
    """
    offered = parse_task(task.text, description)
    if offered.limb_count is None:
        limb, count, side = parse_limbs(task.fitness_doc)
        offered = replace(offered, limb=limb, limb_count=count, side=side)
    return _moot_limbs(offered, description)


def _description(env_id: str) -> EnvDescription | None:
    return get_description(env_id) if env_id in env_ids() else None


def explain_matches(text: str, env_id: str) -> list[TaskMatch]:
    """Every built-in task on ``env_id``, each with whether its fitness measures ``text`` and why.

    A text the parser finds no behaviour in matches nothing: its candidates would otherwise be
    scored by a fitness that may measure something else.
    """
    description = _description(env_id)
    asked = _moot_limbs(parse_task(text, description), description)
    matches = []
    for task in all_tasks():
        if task.env_id != env_id:
            continue
        offered = _measured(task, description)
        if not asked.behaviours:
            matches.append(TaskMatch(task, False, "the text names no behaviour the parser knows "
                                                  f"(it measures {_doing(offered)})"))
            continue
        why_not = _mismatch(asked, offered)
        extra = len(set(offered.behaviours) - set(asked.behaviours))
        matches.append(TaskMatch(task, why_not is None, why_not or f"measures {task.fitness_doc}",
                                 extra))
    return matches


def _best(matches: list[TaskMatch]) -> TaskMatch | None:
    """The fitting task doing the fewest behaviours beyond those asked (the first on a tie)."""
    fits = [m for m in matches if m.fits]
    return min(fits, key=lambda m: m.extra) if fits else None


def match_builtin_task(text: str, env_id: str) -> Any:
    """The built-in task on ``env_id`` whose fitness measures ``text``, or None.

    Both the text and each task's own text are read by :func:`~rewardsmith.envs.intent.parse_task`
    and compared (see :func:`explain_matches` for the reasons). When several tasks fit, the one
    doing the fewest behaviours beyond those asked wins.
    """
    best = _best(explain_matches(text, env_id))
    return best.task if best else None


def _near_misses(matches: list[TaskMatch], intent: TaskIntent) -> list[TaskMatch]:
    """The tasks worth a line: those sharing a behaviour with the text, else all of them."""
    near = [m for m in matches if set(intent.behaviours) & set(parse_task(m.task.text).behaviours)]
    return near or matches


def resolve_task(text: str | None, env: str | None = None, task: str | None = None
                 ) -> ResolvedTask:
    """Resolve the CLI's ``TEXT``, ``--env`` and ``--task`` into a :class:`ResolvedTask`."""
    notes: list[str] = []
    if task is not None:
        builtin = get_task(task)
        if env is not None and env != builtin.env_id:
            raise RewardsmithError(f"task {task} runs on {builtin.env_id}, not {env}")
        intent = parse_task(text or builtin.text, _description(builtin.env_id))
        return ResolvedTask(text or builtin.text, builtin.env_id, dict(builtin.env_kwargs),
                            builtin, (f"task {builtin.id} on {builtin.env_id}",
                                      *_exploration_note(builtin), *_env_note(builtin)), intent,
                            env_kwargs_reason=builtin.env_note,
                            algo_kwargs=dict(builtin.algo_kwargs))
    if not text:
        raise RewardsmithError("say what you want (a TEXT argument) or give --task TASK")
    if env is None:
        env = env_from_text(text)
        notes.append(f"environment {env} (named in the text; pass --env to choose another)")
    elif env not in env_ids():
        raise RewardsmithError(f"unknown environment {env!r}; known: {', '.join(env_ids())}")
    description = get_description(env)
    intent = parse_task(text, description)
    matches = explain_matches(text, env)
    best = _best(matches)
    if best is not None:
        builtin = best.task
        notes.append(f"scoring candidates with the fitness of built-in task {builtin.id} "
                     f"({builtin.fitness_doc}): it measures what the text asks; the designer "
                     f"never sees it")
        notes += _exploration_note(builtin) + _env_note(builtin)
        return ResolvedTask(text, env, dict(builtin.env_kwargs), builtin, tuple(notes), intent,
                            tuple(matches), builtin.env_note, dict(builtin.algo_kwargs))
    if matches and not intent.behaviours:
        measured = ", ".join(f"{m.task.id}" for m in matches)
        notes.append(f"{NO_FITNESS_NOTE}: it names no behaviour the parser knows "
                     f"({', '.join(_DOING.values())}); the built-in tasks on {env} are "
                     f"{measured}")
    elif matches:
        notes.append(f"{NO_FITNESS_NOTE}:")
        notes += [f"  - {m.line}" for m in _near_misses(matches, intent)]
    else:
        notes.append(f"{NO_FITNESS_NOTE}: {env} has no built-in task")
    settings = env_settings_for(intent, env, description)
    exploration = exploration_for(intent)
    notes += [why for why in (settings.reason, exploration.reason) if why]
    return ResolvedTask(text, env, dict(settings.kwargs), None, tuple(notes), intent,
                        tuple(matches), settings.reason, exploration.algo_kwargs)


def _env_note(builtin: Any) -> list[str]:
    """How episodes run on a built-in task whose settings change the env's early termination."""
    return [builtin.env_note] if builtin.env_note else []


def _exploration_note(builtin: Any) -> list[str]:
    """Why a built-in task trains with its own settings (the reason a request would get)."""
    if not builtin.algo_kwargs:
        return []
    return [exploration_for(parse_task(builtin.text)).reason]
