"""Keep the best-evaluated policy of a training, as rl-zoo3 keeps its ``best_model``.

PPO's curves on the harder tasks reach the threshold and then swing (humanoid-stand: 0.84, 0.35,
0.58, 0.92, 0.15 over its last evaluations), so the last update is often not the best policy a
training produced. The snapshot is the policy's weights and the observation normaliser's
statistics at the evaluation that scored highest; both are small (a few MB at most) and copied in
memory, so keeping them costs nothing on the training's path.

A policy picked by the highest of many noisy evaluations scores lower on new episodes (the
maximum is biased upwards), so whoever returns it re-evaluates it on episodes not used to pick it.
"""

from __future__ import annotations

import copy
import math
from typing import Any


class BestPolicy:
    """The weights and normaliser of the highest-fitness evaluation seen so far."""

    def __init__(self) -> None:
        self.fitness: float | None = None
        self.steps: int | None = None
        self._weights: dict[str, Any] | None = None
        self._obs_rms: Any = None

    def offer(self, fitness: float | None, steps: int, model: Any, venv: Any) -> bool:
        """Snapshot ``model``'s policy and ``venv``'s observation statistics when ``fitness``
        beats every earlier one (ties keep the earlier; no fitness or a non-finite one is never
        kept). Returns whether it did."""
        if fitness is None or not math.isfinite(fitness) \
                or (self.fitness is not None and fitness <= self.fitness):
            return False
        self.fitness, self.steps = float(fitness), int(steps)
        self._weights = {k: v.detach().clone() for k, v in model.policy.state_dict().items()}
        self._obs_rms = copy.deepcopy(getattr(venv, "obs_rms", None))
        return True

    def beats(self, fitness: float | None) -> bool:
        """Whether the snapshot scored strictly higher than ``fitness`` (the last evaluation's;
        none or a non-finite one is beaten by any snapshot)."""
        if self.fitness is None:
            return False
        return fitness is None or not math.isfinite(fitness) or self.fitness > fitness

    def restore(self, model: Any, venv: Any) -> None:
        """Put the snapshot's weights into ``model`` and its statistics into ``venv``."""
        if self._weights is None:
            raise ValueError("no policy was offered")
        model.policy.load_state_dict(self._weights)
        if self._obs_rms is not None:
            venv.obs_rms = copy.deepcopy(self._obs_rms)
