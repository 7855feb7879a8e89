"""The analyzer: turn one candidate's training record into a few lines the designer can act on.

Eureka's reward reflection reports each component's values over training; Auto MC-Reward's
trajectory analyzer names failure modes. This is both, computed (no LLM), so it is cheap,
deterministic, and the same for the LLM and the offline designer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rewardsmith.templates import render_template

CURVE_POINTS = 10
# How an episode ended (``rewardsmith.rl.rollout.ENDINGS``), in words for the designer.
ENDED_WORDS = {"time_limit": "reached the time limit",
               "terminated": "ended early by falling or leaving the valid region"}


def _fmt(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.3g}"


def _curve(values: list[float]) -> list[float]:
    if len(values) <= CURVE_POINTS:
        return values
    idx = np.linspace(0, len(values) - 1, CURVE_POINTS).round().astype(int)
    return [values[i] for i in idx]


def trend(values: list[float]) -> str:
    """``rising`` / ``falling`` / ``flat`` / ``noisy`` from the first and last thirds."""
    if len(values) < 2:
        return "too few evaluations"
    third = max(1, len(values) // 3)
    start, end = np.mean(values[:third]), np.mean(values[-third:])
    scale = max(abs(start), abs(end), 1e-6)
    change = (end - start) / scale
    if abs(change) < 0.1:
        return "flat"
    return "rising" if change > 0 else "falling"


def component_lines(metrics: dict[str, Any]) -> list[str]:
    """One line per reward component: how it moved during training and its share at the end."""
    evals = metrics.get("evals", [])
    final = metrics.get("final") or (evals[-1] if evals else {})
    returns = final.get("component_returns", {})
    total_abs = sum(abs(v) for v in returns.values()) or 1.0
    lines = []
    for name in returns:
        means = [e["training_components"][name]["mean"] for e in evals
                 if name in e.get("training_components", {})]
        span = (max(means) - min(means)) if means else 0.0
        level = max((abs(m) for m in means), default=0.0)
        moved = "barely moved" if means and span < 0.05 * max(level, 1e-6) else "moved"
        share = abs(returns[name]) / total_abs
        dominance = " (dominates the total)" if share > 0.8 and len(returns) > 1 else ""
        curve = ", ".join(_fmt(m) for m in _curve(means))
        lines.append(f"`{name}`: per-step mean over training [{curve}] ({moved}); "
                     f"{_fmt(returns[name])} per episode at the end, {share:.0%} of the total "
                     f"magnitude{dominance}")
    return lines


def _quotes_fitness(text: str) -> bool:
    return any(word in text.lower() for word in ("fitness", "success", "task score"))


def analyze(metrics: dict[str, Any] | None, *, error: str | None = None,
            signatures: list[str] | tuple[str, ...] = (), stopped_early: bool = False,
            show_fitness: bool = True, skipped: bool = False) -> str:
    """The analysis text of one candidate (``prompts/analysis.md.j2``).

    Args:
        metrics: the candidate's ``metrics.json`` (None when it failed before training).
        error: why it failed, if it did.
        signatures: failure signatures found by the evaluator.
        stopped_early: successive halving stopped it before the full budget.
        show_fitness: False under preference feedback: the designer then learns only what the
            person (or the simulated teacher) preferred, never a fitness value, curve or
            threshold (the signatures that quote one are left out too).
        skipped: never trained (``error`` says why), not a failure of the reward.
    """
    if metrics is None or skipped:
        return render_template("analysis.md.j2", failed=True, skipped=skipped,
                               error=error or "unknown error")
    evals = metrics.get("evals", [])
    final = metrics.get("final") or (evals[-1] if evals else {})
    fitness = [e["fitness_mean"] for e in evals if e.get("fitness_mean") is not None] \
        if show_fitness else []
    if not show_fitness:
        signatures = [s for s in signatures if not _quotes_fitness(s)]
    ended = final.get("ended_by", {})
    ended_text = ", ".join(f"{n} {ENDED_WORDS.get(k, k.replace('_', ' '))}"
                           for k, n in ended.items() if n) or "no episode finished"
    return render_template(
        "analysis.md.j2", failed=False, steps=metrics.get("steps", 0),
        stopped_early=stopped_early, episode_length=final.get("episode_length", 0.0),
        ended=ended_text, fitness_curve=", ".join(_fmt(f) for f in _curve(fitness)),
        trend=trend(fitness), component_lines=component_lines(metrics),
        signatures=list(signatures),
    )
