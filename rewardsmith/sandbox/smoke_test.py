"""The smoke test, parent side: record transitions of the target env and run the sandbox job.

:func:`run_smoke_test` records random-action transitions (trusted code, in the parent), hands
them to the worker's ``"smoke"`` job (:mod:`rewardsmith.sandbox.jobs.smoke`) and returns the
sandbox's result. The static check is the runner's: the transitions are recorded by the runner's
``prepare_inputs`` hook, which it calls only for a program that passed the check, so a rejected
program costs one check and no recording.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.rl.transitions import record_transitions
from rewardsmith.sandbox.runner import run_sandboxed, write_sandbox_input


def record_smoke_inputs(env_id: str, workdir: Path, env_kwargs: dict[str, Any] | None = None,
                        seed: int = 0, n_random: int = 256, n_near_start: int = 32
                        ) -> dict[str, str]:
    """Write the transitions the smoke test uses (trusted, recorded in the parent) to ``workdir``.

    Returns:
        The ``transitions`` argument of the ``"smoke"`` job: label -> file name.
    """
    kwargs = json.dumps(env_kwargs or {}, sort_keys=True)
    files = {}
    for label, n, scale in (("random-action", n_random, 1.0),
                            ("near-start", n_near_start, 0.1)):
        data = _recorded(env_id, kwargs, seed, n, scale)
        files[label] = f"transitions_{label}.npz"
        write_sandbox_input(Path(workdir), files[label], lambda f, data=data: f.write(data))
    return files


@functools.lru_cache(maxsize=32)
def _recorded(env_id: str, env_kwargs: str, seed: int, n: int, scale: float) -> bytes:
    """Recorded transitions as ``.npz`` bytes, once per process (every candidate reuses them)."""
    buffer = io.BytesIO()
    record_transitions(env_id, n, seed, json.loads(env_kwargs), action_scale=scale).save(buffer)
    return buffer.getvalue()


def run_smoke_test(reward_source: str, env_id: str, workdir: Path,
                   env_kwargs: dict[str, Any] | None = None, seed: int = 0,
                   on_event: Callable[[dict[str, Any]], None] | None = None,
                   **sandbox_options: Any) -> Any:
    """Smoke-test a candidate on ``env_id`` in the sandbox; returns a ``SandboxResult``.

    ``result.ok`` is True only when the smoke test passed; ``result.error`` (or the report's
    ``message``) is the paragraph for the designer, ``result.result`` the :class:`SmokeReport`
    as a dict; a program that fails the static check comes back with ``error_kind == "static"``
    and nothing recorded. ``sandbox_options`` go to
    :func:`rewardsmith.sandbox.runner.run_sandboxed`.
    """

    def prepare_inputs(job_dir: Path) -> dict[str, Any]:
        return {"transitions": record_smoke_inputs(env_id, job_dir, env_kwargs, seed)}

    return run_sandboxed("smoke", reward_source, {}, workdir, on_event=on_event,
                         prepare_inputs=prepare_inputs, **sandbox_options)
