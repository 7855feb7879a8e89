"""``rewardsmith.design(...)``: the main job, from Python. The CLI's ``design`` and ``resume``
are thin wrappers around :func:`design` and :func:`resume`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.designers.base import Designer
from rewardsmith.designers.candidates import CandidateRecord
from rewardsmith.designers.critic import Critic
from rewardsmith.designers.llm import LLMDesigner
from rewardsmith.designers.offline.adapter import OfflineDesignerAdapter
from rewardsmith.envs.registry import get_description
from rewardsmith.envs.task_resolution import resolve_task
from rewardsmith.errors import RewardsmithError
from rewardsmith.evaluator import Candidate, EvaluationReport, HalvingConfig, evaluate_candidates
from rewardsmith.feedback.source import make_feedback_source
from rewardsmith.feedback.sources import check_kind
from rewardsmith.llm import LLMClient, LLMConfig
from rewardsmith.rl.overrides import merged_overrides
from rewardsmith.rl.reward_program import load_reward
from rewardsmith.run.best import BestTracker
from rewardsmith.run.config import DesignConfig, make_config
from rewardsmith.run.fitness import FitnessSetup
from rewardsmith.run.loop import DesignLoop
from rewardsmith.run_dir import RunDir, versions
from rewardsmith.safe_files import read_json, write_json

DEFAULT_TASK = "cheetah-run-backwards"


class DesignRun:
    """A finished (or stopped) design run: where it is and what it found."""

    def __init__(self, root: str | Path):
        self.run_dir = RunDir.open(root)

    @property
    def path(self) -> Path:
        """The run directory."""
        return self.run_dir.root

    @property
    def state(self) -> dict[str, Any]:
        """``state.json``: the best so far, success, re-evaluation."""
        return read_json(self.run_dir.state_json) or {}

    @property
    def best(self) -> dict[str, Any] | None:
        """The best candidate: ``iteration``, ``candidate``, ``fitness``, ``source``."""
        return self.state.get("best")

    @property
    def best_reward_path(self) -> Path:
        """``best/reward.py``."""
        return self.run_dir.best_reward

    def load_best_reward(self) -> Any:
        """The best reward as a callable (it ran in the sandbox already; you chose to trust it)."""
        return load_reward(self.best_reward_path)

    def __repr__(self) -> str:
        best = self.best
        has_fitness = best and best.get("fitness") is not None
        score = f", best fitness {best['fitness']:.3f}" if has_fitness else ""
        return f"DesignRun({str(self.path)!r}{score})"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "run"


def make_designer(config: DesignConfig, record_dir: Path, say: Callable[[str], None]
                  ) -> tuple[Any, Any]:
    """The designer the config asks for, and the LLM client (None for the offline designer)."""
    llm_config = None
    if config.designer != "offline":
        llm_config = LLMConfig.load(model=config.model, base_url=config.base_url,
                                    max_cost_usd=config.max_cost,
                                    max_tokens_total=config.max_tokens, timeout_s=config.timeout)
        if not llm_config.is_configured():
            if config.designer == "llm":
                raise RewardsmithError(
                    "--designer llm needs an endpoint: set OPENAI_API_KEY (and OPENAI_BASE_URL "
                    "for a non-OpenAI server) or pass --base-url / --model")
            llm_config = None
    if llm_config is None:
        designer = OfflineDesignerAdapter(seed=config.seed,
                                          accept_approximation=config.accept_approximation)
        say(f"designer: {designer.label}")
        return designer, None
    client = LLMClient(llm_config, record_dir=record_dir)
    designer = LLMDesigner(client)
    say(f"designer: {designer.label}")
    return designer, client


def design(text: str | None = None, *, env: str | None = None, task: str | None = None,
           out: str | Path = "runs", on_event: Callable[[dict], None] | None = None,
           say: Callable[[str], None] = print, **settings: Any) -> DesignRun:
    """Design a reward for ``text`` on ``env`` (or a built-in ``task``).

    Args:
        text: what you want, e.g. ``"make the half cheetah run backwards"``.
        env: environment id; inferred from the text when omitted.
        task: a built-in task id (its text is used when ``text`` is omitted).
        out: the folder that holds run directories.
        on_event: receives progress events.
        say: prints a line for the user.
        **settings: any :class:`~rewardsmith.run.config.DesignConfig` field (``candidates``,
            ``iterations``, ``steps``, ``feedback``, ``designer``, ``model``, ...).

    Returns:
        The run; ``run.best`` is the winning candidate, ``run.path`` its directory.
    """
    if text is None and task is None and env is None:
        task = DEFAULT_TASK
        say(f"no task given: running the built-in default task {DEFAULT_TASK}")
    resolved = resolve_task(text, env, task)
    for note in resolved.notes:
        say(note)
    builtin = resolved.task
    if builtin is not None and settings.get("fitness_file"):
        say(f"--fitness {settings['fitness_file']} replaces the fitness of {builtin.id}")
        builtin = None
    settings["train_kwargs"] = _with_algo_kwargs(resolved.algo_kwargs,
                                                 settings.get("train_kwargs") or {})
    config = make_config(text=resolved.text, env_id=resolved.env_id,
                         env_kwargs=resolved.env_kwargs, env_note=resolved.env_kwargs_reason,
                         task_id=builtin.id if builtin else None, **settings)
    # Without a built-in match the designer writes the measure (run.fitness), so every kind works.
    check_kind(config.feedback, True)
    run = RunDir.create(out, _slug(resolved.task.id if resolved.task and not text
                                   else resolved.text))
    say(f"run directory: {run.root}")
    if on_event is not None:
        on_event({"event": "run", "path": str(run.root)})
    write_json(run.run_json, {"config": config.model_dump(), "versions": versions(),
                              "started_at": time.time()})
    return _execute(run, config, on_event, say)


def _with_algo_kwargs(behaviour: dict[str, Any], train_kwargs: dict[str, Any]
                      ) -> dict[str, Any]:
    """The run's training arguments with the behaviour's setting overrides under the caller's.

    Kept in ``run.json`` (``train_kwargs["algo_kwargs"]``), so every candidate's training, a
    resumed run and the best's usage snippet build the same policy."""
    algo_kwargs = merged_overrides(behaviour, train_kwargs.get("algo_kwargs"))
    return {**train_kwargs, "algo_kwargs": algo_kwargs} if algo_kwargs else dict(train_kwargs)


def resume(path: str | Path, *, on_event: Callable[[dict], None] | None = None,
           say: Callable[[str], None] = print, **overrides: Any) -> DesignRun:
    """Continue a stopped run where it stopped, redoing no finished work and no LLM call."""
    run = RunDir.open(path)
    data = read_json(run.run_json)
    config = make_config(**{**data["config"], **overrides})
    if overrides:
        write_json(run.run_json, {**data, "config": config.model_dump()})
    say(f"resuming {run.root}")
    return _execute(run, config, on_event, say)


class SandboxedEvaluator:
    """The loop's evaluator: sandboxed trainings under successive halving.

    Args:
        task: the built-in task whose fitness ranks candidates, or None.
        config: the run's settings (budget, workers, executor, seeds, halving).
        steps: the training budget per candidate.
        on_event: receives the evaluator's events.
    """

    def __init__(self, task: Any, config: DesignConfig, steps: int,
                 on_event: Callable[[dict], None] | None = None):
        self.task, self.config, self.steps, self.on_event = task, config, steps, on_event

    def evaluate(self, candidates: list[CandidateRecord], out_dir: Path) -> EvaluationReport:
        """Train and score ``candidates`` in ``out_dir`` (resumes what is already there)."""
        config = self.config
        # Without a task there is no fitness to cut on: every candidate trains the whole budget.
        halving = config.halving_config() if self.task else HalvingConfig.full_budget()
        return evaluate_candidates(
            self.task, [Candidate(r.id, r.source) for r in candidates], out_dir,
            steps=self.steps, workers=config.workers, executor=config.executor,
            halving=halving, on_event=self.on_event, env=config.env_id, seed=config.seed,
            reeval_seeds=config.reeval_seeds, train_kwargs=config.train_kwargs,
            ray_address=config.ray_address, end_at_success=config.stop_on_success)


def build_loop(run: RunDir, config: DesignConfig, designer: Designer, client: Any,
               on_event: Callable[[dict], None] | None, say: Callable[[str], None]
               ) -> DesignLoop:
    """The design loop with the parts ``config`` asks for (tests build it with their own)."""
    critic = Critic(config.env_id, config.env_kwargs,
                    client if config.critic_review else None,
                    allow_unsafe=config.allow_unsafe_sandbox)
    task = FitnessSetup(run, config, designer, critic, say).settle()
    steps = int(config.steps or (task.default_steps if task else config.fallback_steps))
    feedback = make_feedback_source(
        config.feedback, steps=steps, text=config.text, seed=config.seed,
        iteration_dir=run.iteration, rank_mode=config.rank_mode,
        oracle_beta=config.oracle_beta, oracle_mistake_rate=config.oracle_mistake_rate,
        announce=say)
    return DesignLoop(run, config, description=get_description(config.env_id),
                      designer=designer, critic=critic,
                      evaluator=SandboxedEvaluator(task, config, steps, on_event),
                      feedback=feedback,
                      best=BestTracker(run, task, by_preference=config.feedback != "reflection"),
                      on_event=on_event, say=say)


def _execute(run: RunDir, config: DesignConfig, on_event: Callable[[dict], None] | None,
             say: Callable[[str], None]) -> DesignRun:
    designer, client = make_designer(config, run.llm_dir, say)
    try:
        build_loop(run, config, designer, client, on_event, say).execute()
    finally:
        if client is not None:
            client.close()
    return DesignRun(run.root)
