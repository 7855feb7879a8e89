"""The run's success measure: a built-in task's, the user's ``--fitness``, or a written one.

It is settled once, before any reward is designed, and kept in the run folder (``fitness.py``,
``fitness.json``); a resumed run reads it back and never writes it again, so every iteration is
ranked by the same measure. A written measure goes through the same gates as a reward: the
static check and a sandboxed trial (:mod:`rewardsmith.sandbox.fitness_test`: random and
motionless episodes must not already succeed), then, with an LLM, the critic's review; the
designer gets a bounded number of repairs. A user's file gets no repair: its problem is printed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.contract.fitness import fitness_doc, read_threshold
from rewardsmith.designers.base import Designer, Draft, FitnessRequest
from rewardsmith.designers.critic import Critic
from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.envs.tasks import Task, written_task
from rewardsmith.errors import RewardContractError, RewardsmithError
from rewardsmith.plain_text import plain_text
from rewardsmith.run.config import DesignConfig
from rewardsmith.run_dir import FITNESS_PY, RunDir
from rewardsmith.safe_files import read_json, write_json, write_text
from rewardsmith.sandbox.fitness_test import run_fitness_smoke_test

MAX_FITNESS_BYTES = 64 << 10
FITNESS_DIR = "fitness_trials"  # the sandbox folders of the trials, inside the run


def default_budget(env_id: str, fallback: int) -> int:
    """Training budget for a request no built-in task covers: the largest its env's tasks use.

    A budget, not a measure: it says how long this body needs to learn anything, and the
    built-in tasks on the env were sized by measurement (README, Built-in tasks).
    """
    from rewardsmith.envs.registry import all_tasks

    budgets = [t.default_steps for t in all_tasks() if t.env_id == env_id]
    return max(budgets) if budgets else fallback


def read_fitness_file(path: str | Path) -> str:
    """A user's fitness file as text (a clear error for a missing, huge or non-text file)."""
    path = Path(path)
    if not path.is_file():
        raise RewardsmithError(f"--fitness: {path} is not a file")
    data = path.read_bytes()
    if len(data) > MAX_FITNESS_BYTES:
        raise RewardsmithError(f"--fitness: {path} is {len(data):,} bytes; a fitness program "
                               f"is at most {MAX_FITNESS_BYTES:,}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RewardsmithError(f"--fitness: {path} is not UTF-8 text") from None


def threshold_of(source: str, override: float | None, origin: str) -> float:
    """The success threshold: ``--threshold`` when given, else the file's literal."""
    if override is not None:
        return float(override)
    try:
        found = read_threshold(source)
    except RewardContractError as e:
        raise RewardsmithError(f"{origin}: {e}") from None
    if found is None:
        raise RewardsmithError(f"{origin} sets no SUCCESS_THRESHOLD; add `SUCCESS_THRESHOLD = "
                               f"<number>` to it or pass --threshold")
    return found


def summarise_trial(result: dict[str, Any] | None) -> str:
    """One paragraph on what random and motionless episodes scored (for prompts and prints)."""
    if not isinstance(result, dict) or "baselines" not in result:
        return ""
    parts = []
    for name, data in result["baselines"].items():
        fitness = data.get("fitness") or []
        top = max(fitness) if fitness else float("nan")
        parts.append(f"{name} actions: episode fitness up to {top:.3f} "
                     f"({data.get('reached', 0)} of {len(fitness)} reached the threshold)")
    pushed = result.get("pushed") or {}
    if pushed.get("states"):
        parts.append(f"one step from each of {pushed['states']} starts with pushed velocities: "
                     f"{pushed.get('min', 0):.3f} to {pushed.get('max', 0):.3f}")
    step = result.get("per_step", {})
    return (f"Per-step score over those episodes: min {step.get('min', 0):.3f}, mean "
            f"{step.get('mean', 0):.3f}, max {step.get('max', 0):.3f}; " + "; ".join(parts)
            + f"; threshold {result.get('threshold')}.")


class FitnessSetup:
    """Settles a run's success measure (see the module docstring).

    Args:
        run: the run folder.
        config: the run's settings (``task_id``, ``fitness_file``, ``threshold``, ``feedback``).
        designer: writes the measure when nothing else gives one.
        critic: reviews a written measure (with an LLM client) before it is used.
        say: prints a line for the user.
    """

    def __init__(self, run: RunDir, config: DesignConfig, designer: Designer, critic: Critic,
                 say: Callable[[str], None]):
        self.run, self.config, self.designer, self.critic, self.say = \
            run, config, designer, critic, say
        self.description = get_description(config.env_id)
        self.budget = default_budget(config.env_id, config.fallback_steps)

    def settle(self) -> Task | None:
        """The run's task (its measure), or None when preferences alone rank the candidates."""
        config = self.config
        if self.run.fitness_json.exists():
            return self._saved()
        if config.fitness_file is not None:
            source = read_fitness_file(config.fitness_file)
            origin = f"your file {config.fitness_file}"
            threshold = threshold_of(source, config.threshold, f"--fitness {config.fitness_file}")
            return self._accept(source, threshold, origin, self._trial(source, threshold, 0),
                                user=True)
        if config.task_id is not None:
            task = get_task(config.task_id)
            if config.threshold is not None:
                task = dataclasses.replace(task, success_threshold=float(config.threshold))
                self.say(f"success threshold {config.threshold} (from --threshold) instead of "
                         f"the task's own")
            return task
        if config.feedback == "preference":
            return None
        return self._write()

    def _saved(self) -> Task:
        meta = read_json(self.run.fitness_json)
        source = self.run.fitness_py.read_text(encoding="utf-8")
        if not isinstance(meta, dict) or meta.get("sha256") != _sha(source):
            raise RewardsmithError(f"{self.run.fitness_py} does not match {self.run.fitness_json}"
                                   f": the run's success measure changed after it started; "
                                   f"restore it or start a new run")
        self.say(f"success measure: {self.run.fitness_py} ({meta.get('origin')}), threshold "
                 f"{meta['threshold']}")
        return self._task(source, float(meta["threshold"]))

    def _task(self, source: str, threshold: float) -> Task:
        config = self.config
        return written_task(config.text, config.env_id, fitness_doc=fitness_doc(source),
                            success_threshold=threshold, default_steps=self.budget,
                            env_kwargs=config.env_kwargs, fitness_source=source)

    def _trial(self, source: str, threshold: float, attempt: int) -> Any:
        return run_fitness_smoke_test(
            source, self.config.env_id, threshold,
            self.run.root / FITNESS_DIR / f"trial_{attempt}", self.config.env_kwargs,
            seed=self.config.seed, allow_unsafe=self.config.allow_unsafe_sandbox)

    def _write(self) -> Task:
        request = FitnessRequest(self.config.text, self.description,
                                 env_note=self.config.env_note)
        self.say("no built-in task measures this request: the designer writes its success "
                 "measure first (fitness.py; you can replace it with --fitness FILE)")
        draft: Draft | None = self.designer.write_fitness(request)  # may say it cannot
        errors = []
        for attempt in range(self.config.max_repairs + 1):
            error, trial, threshold = self._check(draft, attempt)
            if error is None:
                return self._accept(draft.source, threshold, self.designer.label, trial)
            errors.append(error)
            self.say(f"success measure attempt {attempt + 1} rejected: "
                     f"{plain_text(error.splitlines()[0])[:300]}")
            if attempt == self.config.max_repairs:
                break
            draft = self.designer.repair_fitness(draft, error, request, attempt)
            if draft is None:
                break
        raise RewardsmithError(
            f"the designer could not write a usable success measure for "
            f"{self.config.text!r}: {plain_text(errors[-1])[:600]}. Write one yourself and pass "
            f"--fitness FILE (check it with `rewardsmith check FILE --env "
            f"{self.config.env_id}`), or rank videos with --feedback preference")

    def _check(self, draft: Draft, attempt: int) -> tuple[str | None, Any, float]:
        """Static check, sandboxed trial, review: the first problem, the trial, the threshold."""
        if draft.source is None:
            return draft.error or "the reply held no fitness program", None, 0.0
        try:
            threshold = threshold_of(draft.source, self.config.threshold, FITNESS_PY)
        except RewardsmithError as e:
            return str(e), None, 0.0
        trial = self._trial(draft.source, threshold, attempt)
        if not trial.ok:
            return (trial.error or "the trial failed"), trial, threshold
        verdict = self.critic.review_fitness(draft.source, self.config.text,
                                             self.description.render(),
                                             summarise_trial(trial.result))
        if not verdict.accepted:
            return verdict.message, trial, threshold
        return None, trial, threshold

    def _accept(self, source: str, threshold: float, origin: str, trial: Any,
                user: bool = False) -> Task:
        if not trial.ok:
            raise RewardsmithError(f"{origin} cannot measure success: "
                                   f"{plain_text(trial.error or 'its trial failed')[:600]}")
        write_text(self.run.fitness_py, source)
        write_json(self.run.fitness_json, {
            "threshold": threshold, "origin": origin, "doc": fitness_doc(source),
            "sha256": _sha(source), "env_kwargs": self.config.env_kwargs,
            "trial": trial.result, "user_supplied": user})
        self.say(f"success measure ({origin}): {fitness_doc(source) or 'no docstring'}")
        self.say(f"  success = episode fitness >= {threshold} (mean per-step score over the "
                 f"episode); {summarise_trial(trial.result)}")
        self.say(f"  read it: {self.run.fitness_py}")
        return self._task(source, threshold)


def _sha(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
