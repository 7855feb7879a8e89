"""``rewardsmith.design(...)``: the main job, from Python. The CLI's ``design`` and ``resume``
are thin wrappers around :func:`design` and :func:`resume`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.envs.task_resolution import resolve_task
from rewardsmith.errors import RewardsmithError
from rewardsmith.feedback.sources import check_kind
from rewardsmith.run.config import DesignConfig, make_config
from rewardsmith.run_dir import RunDir, read_json, versions, write_json

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
        return self.run_dir.best_dir / "reward.py"

    def load_best_reward(self) -> Any:
        """The best reward as a callable (it ran in the sandbox already; you chose to trust it)."""
        from rewardsmith.contract.reward import load_reward

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
    from rewardsmith.designers.llm import LLMDesigner
    from rewardsmith.designers.offline.adapter import OfflineDesignerAdapter
    from rewardsmith.llm import LLMClient, LLMConfig

    llm_config = None
    if config.designer != "offline":
        llm_config = LLMConfig.load(model=config.model, base_url=config.base_url,
                                    max_cost_usd=config.max_cost,
                                    max_tokens_total=config.max_tokens)
        if not llm_config.is_configured():
            if config.designer == "llm":
                raise RewardsmithError(
                    "--designer llm needs an endpoint: set OPENAI_API_KEY (and OPENAI_BASE_URL "
                    "for a non-OpenAI server) or pass --base-url / --model")
            llm_config = None
    if llm_config is None:
        designer = OfflineDesignerAdapter(seed=config.seed)
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
    config = make_config(text=resolved.text, env_id=resolved.env_id,
                         env_kwargs=resolved.env_kwargs,
                         task_id=resolved.task.id if resolved.task else None, **settings)
    check_kind(config.feedback, resolved.has_fitness)
    run = RunDir.create(out, _slug(resolved.task.id if resolved.task and not text
                                   else resolved.text))
    say(f"run directory: {run.root}")
    if on_event is not None:
        on_event({"event": "run", "path": str(run.root)})
    write_json(run.run_json, {"config": config.model_dump(), "versions": versions(),
                              "started_at": time.time()})
    return _execute(run, config, on_event, say)


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


def _execute(run: RunDir, config: DesignConfig, on_event: Callable[[dict], None] | None,
             say: Callable[[str], None]) -> DesignRun:
    from rewardsmith.run.loop import DesignLoop

    designer, client = make_designer(config, run.llm_dir, say)
    try:
        DesignLoop(run, config, designer, client, on_event, say).execute()
    finally:
        if client is not None:
            client.close()
    return DesignRun(run.root)
