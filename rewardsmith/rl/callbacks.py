"""The SB3 callback that evaluates periodically and reports progress events."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback

ProgressFn = Callable[[dict[str, Any]], None]


class EvaluateEvery(BaseCallback):
    """Every ``eval_every`` env steps: evaluate, log component stats, emit an ``eval`` event.

    Args:
        eval_every: env steps between evaluations.
        run_eval: ``() -> EvalResult`` on the current policy.
        pop_components: ``() -> dict`` of training-time component statistics since last call.
        progress: receives ``{"event": "progress" | "eval", ...}`` dicts.
        should_stop: optional ``(eval_record) -> bool``; True stops training early.
        start_steps: steps already done before this ``learn`` call (resumed training).
        total_steps: the budget, for progress display.
    """

    def __init__(self, eval_every: int, run_eval: Callable[[], Any],
                 pop_components: Callable[[], dict], progress: ProgressFn | None,
                 should_stop: Callable[[dict], bool] | None, start_steps: int, total_steps: int):
        super().__init__()
        self.eval_every = eval_every
        self.run_eval = run_eval
        self.pop_components = pop_components
        self.progress = progress
        self.should_stop = should_stop
        self.total_steps = total_steps
        self.history: list[dict[str, Any]] = []
        self._next_eval = start_steps + eval_every
        self._last_report = 0.0
        self._t0 = time.perf_counter()
        self._start_steps = start_steps

    def _on_step(self) -> bool:
        now = time.perf_counter()
        steps = self.num_timesteps
        if self.progress and now - self._last_report > 0.5:
            self._last_report = now
            fps = (steps - self._start_steps) / max(now - self._t0, 1e-9)
            self.progress({"event": "progress", "steps": steps, "total": self.total_steps,
                           "fps": fps})
        if steps >= self._next_eval:
            self._next_eval += self.eval_every
            record = self.evaluate_now()
            if self.should_stop is not None and self.should_stop(record):
                return False
        return True

    def evaluate_now(self, log: bool = True) -> dict[str, Any]:
        """Evaluate the current policy, log it (when ``log``), and return the record."""
        result = self.run_eval()
        record = {"steps": int(self.num_timesteps),
                  "wall_s": round(time.perf_counter() - self._t0, 2),
                  **result.to_dict(), "training_components": self.pop_components()}
        self.history.append(record)
        if log:
            if result.fitness_mean is not None:
                self.logger.record("eval/fitness", result.fitness_mean)
            if result.success_rate is not None:
                self.logger.record("eval/success_rate", result.success_rate)
            self.logger.record("eval/episode_length", result.episode_length)
            for name, value in result.component_returns.items():
                self.logger.record(f"eval/component/{name}", value)
            self.logger.dump(self.num_timesteps)
        if self.progress:
            self.progress({"event": "eval", "steps": record["steps"], "total": self.total_steps,
                           "fitness": result.fitness_mean, "success_rate": result.success_rate,
                           "episode_length": result.episode_length})
        return record
