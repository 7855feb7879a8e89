"""The evaluator: train K candidate rewards in sandboxed workers, stop weak ones early.

``evaluate_candidates`` is the entry point; executors (local threads over sandboxed processes,
or Ray) run the jobs; successive halving decides who keeps training. Names are imported lazily,
so ``from rewardsmith.evaluator import HalvingConfig`` does not pay for rich or Ray.
"""

from __future__ import annotations

from rewardsmith._lazy import lazy_getattr

_EXPORTS = {
    "evaluate_candidates": "rewardsmith.evaluator.evaluator",
    "Candidate": "rewardsmith.evaluator.evaluator",
    "CandidateResult": "rewardsmith.evaluator.evaluator",
    "EvaluationReport": "rewardsmith.evaluator.evaluator",
    "HalvingConfig": "rewardsmith.evaluator.halving",
    "RungEntry": "rewardsmith.evaluator.halving",
    "LocalExecutor": "rewardsmith.evaluator.executors",
    "RayExecutor": "rewardsmith.evaluator.executors",
    "make_executor": "rewardsmith.evaluator.executors",
    "Job": "rewardsmith.evaluator.executors",
}

__all__ = list(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
