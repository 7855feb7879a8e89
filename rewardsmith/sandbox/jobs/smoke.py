"""The smoke test's checks, run *inside* the sandbox worker (job ``"smoke"``).

:func:`smoke_check` calls a candidate reward on recorded transitions before any training is
spent: it checks the contract (finite ``(B,)`` values, named components), that the components add
up to the total, that the reward is deterministic and depends on the state, how long a call
takes, and the scale of each term; its :class:`SmokeReport` carries a short message the designer
can act on. The parent half (recording the transitions, starting the sandbox) is
:mod:`rewardsmith.sandbox.smoke_test`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.errors import RewardContractError
from rewardsmith.rl.transitions import Transitions
from rewardsmith.sandbox.jobs.workdir import Emit, inside

LARGE = 1e4  # |reward| above this per step usually means a missing scale factor


@dataclass
class SmokeReport:
    """What the smoke test found (``to_dict`` is what ``result.json`` carries).

    Attributes:
        ok: the reward is fit for training.
        message: one short paragraph for the designer (what failed and how to fix it).
        env_id: the env whose transitions were used.
        n_transitions: transitions the reward was called on.
        problems: failures (any makes ``ok`` False).
        warnings: things that run but look wrong.
        components: per component ``{"min", "mean", "max", "std"}`` over all transitions.
        total: the same statistics for the total reward.
        components_sum_to_total: whether the components add up to the total.
        deterministic: two calls on the same transitions gave the same values.
        main_batch_size: transitions in the first (main) batch.
        us_per_call: time of one batched call on the main batch.
        us_per_transition: the same divided by the batch size.
        error_kind: ``"contract"`` or ``"smoke"`` when not ok.
    """

    ok: bool
    message: str
    env_id: str
    n_transitions: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    components: dict[str, dict[str, float]] = field(default_factory=dict)
    total: dict[str, float] = field(default_factory=dict)
    components_sum_to_total: bool | None = None
    deterministic: bool | None = None
    main_batch_size: int = 0
    us_per_call: float | None = None
    us_per_transition: float | None = None
    error_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return asdict(self)


def _stats(values: np.ndarray) -> dict[str, float]:
    return {"min": float(values.min()), "mean": float(values.mean()),
            "max": float(values.max()), "std": float(values.std())}


def _call(reward_fn: Any, transitions: Any, label: str, max_call_s: float
          ) -> tuple[np.ndarray, dict[str, np.ndarray], float]:
    """One batched call, validated; raises RewardContractError naming the batch."""
    state, action, next_state = transitions.as_batch()
    t0 = time.perf_counter()
    output = reward_fn(state, action, next_state)
    seconds = time.perf_counter() - t0
    if seconds > max_call_s:
        raise _TooSlow(f"one call of compute_reward on {len(transitions)} {label} transitions "
                       f"took {seconds:.1f} s (limit {max_call_s:g} s); training calls it "
                       f"millions of times: vectorise it with numpy, no Python loops or sleeps")
    try:
        total, components = validate_reward_output(output, len(transitions))
    except RewardContractError as e:
        raise RewardContractError(f"on {len(transitions)} {label} transitions: {e}") from None
    return total, components, seconds


class _TooSlow(Exception):
    pass


def smoke_check(reward_fn: Any, batches: dict[str, Any], max_call_s: float = 2.0) -> SmokeReport:
    """Run every check on the recorded transitions (inside the sandbox).

    Args:
        reward_fn: the candidate's ``compute_reward``.
        batches: label (``"random-action"``, ``"near-start"``) -> ``Transitions``; the first
            is the main batch (determinism and timing are measured on it).
        max_call_s: one call slower than this fails the test.
    """
    first = next(iter(batches.values()))
    env_id = first.env_id
    report = SmokeReport(ok=False, message="", env_id=env_id)
    try:
        results = {label: _call(reward_fn, tr, label, max_call_s) for label, tr in batches.items()}
        main_label = next(iter(batches))
        single = first.__class__(env_id, first.states[:1].copy(), first.actions[:1].copy(),
                                 first.next_states[:1].copy(), first.terminated[:1].copy())
        _call(reward_fn, single, "single (B=1)", max_call_s)
        again = first.__class__(env_id, first.states.copy(), first.actions.copy(),
                                first.next_states.copy(), first.terminated.copy())
        total2, components2, seconds = _call(reward_fn, again, main_label, max_call_s)
    except RewardContractError as e:
        return _finish(report, [str(e)], "contract")
    except _TooSlow as e:
        return _finish(report, [str(e)], "smoke")
    total1, components1, _ = results[main_label]
    problems: list[str] = []
    report.n_transitions = sum(len(tr) for tr in batches.values())
    report.main_batch_size = len(first)
    report.us_per_call = round(1e6 * seconds, 1)
    report.us_per_transition = round(1e6 * seconds / len(first), 3)
    report.deterministic = bool(np.array_equal(total1, total2) and components1.keys() ==
                                components2.keys() and all(np.array_equal(components1[k],
                                                           components2[k]) for k in components1))
    if not report.deterministic:
        diff = float(np.max(np.abs(total1 - total2)))
        problems.append(f"compute_reward is not deterministic: two calls on the same "
                        f"transitions differ (total by up to {diff:.3g}); do not use "
                        f"np.random, time, or state kept between calls")
    totals = np.concatenate([r[0] for r in results.values()])
    report.total = _stats(totals)
    if np.ptp(totals) == 0:
        problems.append(f"the total reward is {totals[0]:.6g} on all {len(totals)} "
                        f"transitions: it does not depend on the state or the action, so the "
                        f"policy cannot learn from it")
    names = list(components1)
    if not names:
        problems.append("compute_reward returned no components: return a dict naming each "
                        "term of the total, e.g. {'forward': ..., 'ctrl_cost': ...}")
    elif any(list(r[1]) != names for r in results.values()):
        problems.append("compute_reward returned different component names on different "
                        "batches; always return the same named terms")
    else:
        for name in names:
            report.components[name] = _stats(np.concatenate([r[1][name] for r in
                                                             results.values()]))
        sums_ok = all(np.allclose(sum(r[1].values()), r[0], rtol=1e-4, atol=1e-6)
                      for r in results.values())
        report.components_sum_to_total = sums_ok
        if not sums_ok:
            report.warnings.append("the components do not add up to the total; return every "
                                   "weighted term as a component so that they sum to it")
    big = [n for n, s in {**report.components, "total": report.total}.items()
           if max(abs(s["min"]), abs(s["max"])) > LARGE]
    if big:
        report.warnings.append(f"very large values (|x| > {LARGE:g} per step) in "
                               f"{', '.join(big)}; scale the terms down")
    return _finish(report, problems, "smoke")


def _finish(report: SmokeReport, problems: list[str], error_kind: str) -> SmokeReport:
    report.problems = problems
    report.ok = not problems
    if problems:
        report.error_kind = error_kind
        report.message = f"smoke test failed on {report.env_id}: " + " ".join(
            p if p.endswith(".") else p + "." for p in problems)
        return report
    ranges = "; ".join(f"{name} in [{s['min']:.3g}, {s['max']:.3g}] (mean {s['mean']:.3g})"
                       for name, s in report.components.items())
    report.message = (f"smoke test passed on {report.env_id} ({report.n_transitions} "
                      f"transitions, {report.us_per_call:g} us per call of "
                      f"{report.main_batch_size}): total in [{report.total['min']:.3g}, "
                      f"{report.total['max']:.3g}]; {ranges}.")
    if report.warnings:
        report.message += " Warnings: " + " ".join(w + "." for w in report.warnings)
    return report


def run_smoke(reward_fn: Any, workdir: Path, emit: Emit, *, transitions: dict[str, str],
              max_call_s: float = 2.0) -> dict[str, Any]:
    """The ``"smoke"`` job: load the recorded transitions and run :func:`smoke_check`.

    Args:
        reward_fn: the candidate's ``compute_reward``.
        workdir: the job folder.
        emit: progress events.
        transitions: label -> ``.npz`` file (written by ``Transitions.save``) in the folder.
        max_call_s: one call slower than this fails the test.
    """
    batches = {label: Transitions.load(inside(workdir, name))
               for label, name in transitions.items()}
    emit({"event": "smoke_start", "batches": {k: len(v) for k, v in batches.items()}})
    return smoke_check(reward_fn, batches, max_call_s=max_call_s).to_dict()
