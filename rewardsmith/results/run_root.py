"""Open a run directory and read its root files, checked (``run.json``, ``state.json``).

Without these two files there is no run to show or continue, so a bad one stops with
:class:`~rewardsmith.errors.CorruptRunFile` naming the file and the key; everything below the
root is read leniently by :mod:`rewardsmith.results.inspect`. A run folder holds files written by
sandboxed code and by people: every value a caller indexes is checked for its type here, so
``rewardsmith inspect``, ``report``, ``rank``, ``refine`` and a resumed ``design`` never meet a
wrong one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.plain_text import finite_number
from rewardsmith.results.run_files import describe_kind as _kind
from rewardsmith.run_dir import RUN_JSON, RunDir
from rewardsmith.safe_files import read_json


def open_run(path: str | Path) -> RunDir:
    """Open a run directory, with a hint when ``path`` is missing or is the folder of runs.

    Its root files are checked too (:func:`read_root`), so a caller may index ``run.json``'s
    ``config`` and ``state.json``'s ``best`` without meeting a wrong type.

    Raises:
        RewardsmithError: ``path`` is not a run.
        CorruptRunFile: ``run.json`` or ``state.json`` is not what rewardsmith writes.
    """
    root = Path(path)
    if not root.is_dir():
        what = "is a file" if root.exists() else "does not exist"
        raise RewardsmithError(f"{root} {what}; pass a run directory made by "
                               f"`rewardsmith design` (the folder that holds run.json)")
    runs = sorted(p.parent for p in root.glob(f"*/{RUN_JSON}"))
    if not (root / RUN_JSON).exists() and runs:
        raise RewardsmithError(f"{root} holds runs, it is not one: pass one of them, e.g. "
                               f"{runs[-1]}")
    if (root / RUN_JSON).is_symlink() or (root / RUN_JSON).is_dir():
        read_json(root / RUN_JSON)  # raises CorruptRunFile: a link, a folder
    run = RunDir.open(root)
    read_root(run)
    return run


def read_root(run: RunDir) -> tuple[dict[str, Any], dict[str, Any]]:
    """``run.json`` and ``state.json``, checked: the keys a reader uses have the right types.

    Returns:
        ``({"config": dict, "versions": dict}, {"best": dict | None, "best_history": list,
        "best_reeval": dict | None, "success": bool | None, "finished": bool})``; ``best``
        and every ``best_history`` entry have an int ``iteration``, a str ``candidate``, a
        finite or None ``fitness`` and a str ``source``.

    Raises:
        CorruptRunFile: either file exists but is not what rewardsmith writes; the message names
            the file and the key.
    """
    meta = read_json(run.run_json)
    if not isinstance(meta, dict):
        raise CorruptRunFile(run.run_json, _not_an_object(meta))
    config = meta.get("config", {})
    if not isinstance(config, dict):
        raise CorruptRunFile(run.run_json, f"has a 'config' that is {_kind(config)}, not an "
                                           f"object")
    for key in ("text", "env_id", "task_id", "feedback", "designer"):
        if config.get(key) is not None and not isinstance(config[key], str):
            raise CorruptRunFile(run.run_json, f"has a config '{key}' that is "
                                               f"{_kind(config[key])}, not text")
    versions = meta.get("versions")
    versions = {str(k): str(v) for k, v in versions.items()} if isinstance(versions, dict) \
        else {}
    state = read_json(run.state_json)
    if state is None:
        state = {}
    if not isinstance(state, dict):
        raise CorruptRunFile(run.state_json, _not_an_object(state))
    best = state.get("best")
    if best is not None:
        _check_best(run, best, "best")
    history = state.get("best_history", [])
    if not isinstance(history, list):
        raise CorruptRunFile(run.state_json, f"has a 'best_history' that is {_kind(history)}, "
                                             f"not a list")
    for i, entry in enumerate(history):
        _check_best(run, entry, f"best_history[{i}]")
    reeval = state.get("best_reeval")
    reeval = {**reeval, "fitness_mean": finite_number(reeval.get("fitness_mean")),
              "fitness_sem": finite_number(reeval.get("fitness_sem"))} \
        if isinstance(reeval, dict) else None
    success = state.get("success")
    return ({"config": config, "versions": versions},
            {"best": best, "best_history": history, "best_reeval": reeval,
             "success": success if isinstance(success, bool) else None,
             "finished": state.get("finished") is True})


def _check_best(run: RunDir, best: Any, key: str) -> None:
    """Raise CorruptRunFile unless ``best`` is a best entry as run.best writes it."""
    problem = None
    if not isinstance(best, dict):
        problem = f"is {_kind(best)}, not an object"
    elif not isinstance(best.get("iteration"), int) or isinstance(best["iteration"], bool) \
            or best["iteration"] < 0:
        problem = "has no iteration number"
    elif not isinstance(best.get("candidate"), str):
        problem = "names no candidate"
    elif best.get("fitness") is not None and finite_number(best["fitness"]) is None:
        problem = f"has a fitness that is {_kind(best['fitness'])}, not a number"
    elif not isinstance(best.get("source", ""), str):
        problem = "has a source that is not text"
    if problem:
        raise CorruptRunFile(run.state_json, f"has a '{key}' entry that {problem}")
    best.setdefault("source", "")


def _not_an_object(value: Any) -> str:
    return f"holds {_kind(value)}, not the JSON object rewardsmith writes"
