"""Check, through the real sandbox, that a reward program cannot forge its own task score.

A candidate's task fitness is measured in the same worker process as its reward: during the
``train`` job's evaluations and in the ``reevaluate`` job. A reward that writes into the state
it receives could once change what the fitness then read (``next_state.torso_velocity[:, 0]
*= -1`` flipped the score's sign and a deliberate one scored 25.0, "success", on cheetah-run).
:func:`check_score_not_forged` runs a program the way the evaluator does and compares what its
jobs report with a recomputation by a trusted reward:

1. a ``train`` job with the candidate (a tiny budget; no evaluation during training, so the one
   evaluation, after training, uses the policy that is saved);
2. a ``reevaluate`` job, in a fresh folder, with a trusted no-op reward, on a copy of the saved
   policy: the same seeds, the same deterministic policy, so the same episodes;
3. optionally a ``reevaluate`` job with the candidate on the same policy.

The candidate's code never runs in this process: the parent only copies the policy's bytes (it
never unpickles them) and reads the jobs' JSON results. A candidate whose job fails (numpy
refused its write) has reported no score, so it forged nothing. What this checks is the state
boundary (``rewardsmith.rl.wrappers``): a program that takes over its whole worker process (with
the static check skipped) can also rewrite the policy it saves, and then the trusted replay is
as unreliable as the job; ``sandbox/README.md`` says so under "Integrity of a job's own results".
Cost: two sandbox jobs that import torch (three with ``reevaluate``); 25-40 s per program on
the 2-core development machine under load, most of it the workers' imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardsmith.run_dir import POLICY_ZIP, VECNORMALIZE_PKL
from rewardsmith.sandbox.isolation import IsolationLimits
from rewardsmith.sandbox.runner import (
    SandboxResult,
    read_sandbox_file,
    run_sandboxed,
    write_sandbox_input,
)

TRUSTED_REWARD = '''import numpy as np


def compute_reward(state, action, next_state):
    zero = np.zeros(len(action))
    return zero, {"zero": zero}
'''
POLICY_FOLDER = "train"
MAX_POLICY_BYTES = 64 << 20
# The saved policy is replayed exactly (same weights, statistics, seeds and deterministic
# actions), so the two reports agree to the last bit; the tolerance only absorbs printing.
RTOL, ATOL = 1e-6, 1e-9


@dataclass
class ScoreCheck:
    """What the candidate's jobs reported and what the trusted replay measured.

    Attributes:
        train: the candidate's train job.
        reported: per-episode fitness of its final evaluation (None when it reported none).
        honest: the same episodes replayed with the trusted reward (None when not replayed).
        replay: the trusted reevaluate job, when one ran.
        reevaluate: the candidate's own reevaluate job, when one ran.
        reevaluated: per-episode fitness that job reported (None when it reported none).
        problem: why the report could not be checked (missing policy, malformed report).
    """

    train: SandboxResult
    reported: list[float] | None = None
    honest: list[float] | None = None
    replay: SandboxResult | None = None
    reevaluate: SandboxResult | None = None
    reevaluated: list[float] | None = None
    problem: str | None = None

    @property
    def forged(self) -> bool:
        """True when a job reported a score that the trusted replay does not reproduce.

        A report that cannot be checked (no policy to replay, a malformed list) counts as
        forged: an honest job always leaves both.
        """
        if self.reported is None and self.reevaluated is None:
            return self.problem is not None
        if self.honest is None:
            return True
        return any(r is not None and not _close(r, self.honest)
                   for r in (self.reported, self.reevaluated))

    def describe(self) -> str:
        """One line for an assertion message: what each job reported and the honest value."""
        parts = [f"train job: {'ok' if self.train.ok else self.train.error_kind} "
                 f"reported {self.reported}"]
        if self.reevaluate is not None:
            parts.append(f"reevaluate job: "
                         f"{'ok' if self.reevaluate.ok else self.reevaluate.error_kind} "
                         f"reported {self.reevaluated}")
        parts.append(f"trusted replay: {self.honest}")
        if self.problem:
            parts.append(f"problem: {self.problem}")
        return "; ".join(parts)


def check_score_not_forged(source: str, workdir: str | Path, *, task: str = "cheetah-run",
                           seed: int = 0, n_episodes: int = 2, episode_steps: int = 100,
                           reevaluate: bool = False,
                           skip_static_check: bool = False) -> ScoreCheck:
    """Run ``source`` through the sandbox like the evaluator and replay its score honestly.

    Args:
        source: the reward program (never imported here).
        workdir: an empty folder for the jobs (``candidate/`` and ``honest/`` go in it).
        task: a built-in task id: its env, fitness and success threshold are used.
        seed: training seed; the evaluation envs use ``seed + 10_000``, as training does.
        n_episodes: evaluation episodes (one per env).
        episode_steps: the envs' ``max_episode_steps`` (short episodes keep the check fast).
        reevaluate: also run the candidate's own ``reevaluate`` job on the saved policy.
        skip_static_check: tests only: send the program to the worker unchecked.

    Returns:
        A :class:`ScoreCheck`; ``check.forged`` is the verdict, ``check.describe()`` the
        numbers.
    """
    workdir = Path(workdir)
    env_kwargs = {"max_episode_steps": int(episode_steps)}
    candidate = workdir / "candidate"
    train = run_sandboxed(
        "train", source,
        {"task": task, "steps": 64, "n_envs": 1, "seed": seed, "n_eval_episodes": n_episodes,
         "eval_every": 10**9, "video": False, "env_kwargs": env_kwargs,
         "algo_kwargs": {"n_steps": 64, "batch_size": 64, "n_epochs": 1},
         "out": POLICY_FOLDER},
        candidate, limits=_limits("train"), skip_static_check=skip_static_check)
    check = ScoreCheck(train)
    if not train.ok:
        return check  # no score was reported
    final = ((train.result or {}).get("metrics") or {}).get("final") or {}
    check.reported = _fitness_list(final.get("episode_fitness"), n_episodes)
    if check.reported is None:
        check.problem = (f"the train job's final evaluation reports episode_fitness "
                         f"{str(final.get('episode_fitness'))[:200]!r}; expected a list of "
                         f"{n_episodes} finite numbers")
        return check
    policy = _read_policy(candidate / POLICY_FOLDER)
    if isinstance(policy, str):
        check.problem = policy
        return check
    args = {"policy": POLICY_FOLDER, "seeds": [seed + 10_000], "task": task,
            "n_episodes": n_episodes, "env_kwargs": env_kwargs}

    def copy_policy(folder: Path) -> dict[str, Any]:
        for name, data in policy.items():
            write_sandbox_input(folder / POLICY_FOLDER, name, lambda f, d=data: f.write(d))
        return {}

    check.replay = run_sandboxed("reevaluate", TRUSTED_REWARD, args, workdir / "honest",
                                 limits=_limits("reevaluate"), prepare_inputs=copy_policy)
    check.honest = _episode_fitness(check.replay, n_episodes)
    if check.honest is None:
        check.problem = (f"the trusted replay failed ({check.replay.error_kind}: "
                         f"{check.replay.error}); fix the replay before trusting this check")
        return check
    if reevaluate:
        check.reevaluate = run_sandboxed("reevaluate", source, args, candidate,
                                         limits=_limits("reevaluate"),
                                         skip_static_check=skip_static_check)
        if check.reevaluate.ok:
            check.reevaluated = _episode_fitness(check.reevaluate, n_episodes)
            if check.reevaluated is None:
                check.problem = "the candidate's reevaluate job reports no per-episode fitness"
    return check


def _limits(kind: str) -> IsolationLimits:
    limits = IsolationLimits.from_policy(kind)
    return limits.replace(wall_s=min(limits.wall_s, 180.0), cpu_s=min(limits.cpu_s, 300))


def _read_policy(folder: Path) -> dict[str, bytes] | str:
    """The saved policy's files as bytes (never unpickled here), or what is wrong."""
    files = {}
    for name in (POLICY_ZIP, VECNORMALIZE_PKL):
        data = read_sandbox_file(folder / name, MAX_POLICY_BYTES, root=folder.parent)
        if data is None:
            return (f"{folder / name} is missing, not a regular file or over "
                    f"{MAX_POLICY_BYTES} bytes: the reported score cannot be replayed")
        files[name] = data
    return files


def _episode_fitness(result: SandboxResult, n_episodes: int) -> list[float] | None:
    """Per-episode fitness of a reevaluate job's only seed, validated."""
    if not result.ok:
        return None
    per_seed = (result.result or {}).get("per_seed")
    if not isinstance(per_seed, list) or len(per_seed) != 1 or not isinstance(per_seed[0], dict):
        return None
    episodes = per_seed[0].get("episodes")
    if not isinstance(episodes, list):
        return None
    return _fitness_list([e.get("fitness") if isinstance(e, dict) else None for e in episodes],
                         n_episodes)


def _fitness_list(values: Any, n: int) -> list[float] | None:
    if not isinstance(values, list) or len(values) != n:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               for v in values):
        return None
    return [float(v) for v in values]


def _close(got: list[float], honest: list[float]) -> bool:
    return len(got) == len(honest) and all(
        math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL) for a, b in zip(got, honest, strict=True))
