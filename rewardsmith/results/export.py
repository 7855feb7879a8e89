"""``rewardsmith export``: the best reward of a run as one module a user copies into a project.

The module holds the reward program unchanged, a ``gymnasium.Wrapper`` ``<Name>Reward(env)``
that calls it with ``B = 1`` (the env's reward in ``info["original_env_rew"]``, the terms in
``info["reward_components"]``) and a usage docstring for gymnasium and SB3. Where the env's
description is one we know how to write out — the locomotion layout of ``envs/`` (torso, joints,
bodies, contacts) or fields that copy ``qpos``/``qvel`` entries (the pendulum) — the
state extraction is generated as plain numpy over ``MjData`` and the module runs without
rewardsmith. Indices are recovered by probing the description with synthetic snapshots, and the
generated extraction is checked against the description on a short rollout before it is trusted;
anything else falls back to importing ``rewardsmith.RewardWrapper`` and says so.

Export reads only the run's own records (``run.json``, ``state.json``, with the one JSON reader)
and checks the fields it writes into the module, so nothing a sandboxed job wrote reaches the
exported file but the reward's source itself: no file of a job's folder is read, and no policy
pickle is loaded (the policy's safe copy is in ``best/``; see its ``README.md``).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.ast_parse import parse
from rewardsmith.errors import RewardsmithError
from rewardsmith.safe_files import read_json, write_text
from rewardsmith.templates import render_result_template

_LOCOMOTION_PARTS = {"qpos", "qvel", "xpos", "torso_quat", "contact", "time", "geom_xpos"}
_LOCOMOTION_NEEDS = {
    "torso_position": {"xpos"}, "torso_height": {"xpos"}, "body_positions": {"xpos"},
    "torso_velocity": {"qvel"}, "torso_angular_velocity": {"qvel", "torso_quat"},
    "torso_orientation": {"torso_quat"}, "torso_up": {"torso_quat"}, "torso_pitch": {"qpos"},
    "joint_angles": {"qpos"}, "joint_velocities": {"qvel"}, "contacts": {"contact"},
    "dt": set(), "time": {"time"}, "geom_positions": {"geom_xpos"},
}
_STOPWORDS = {"make", "the", "a", "an", "to", "on", "of", "and", "please", "let", "its", "it"}


def export_run(path: str | Path, out_file: str | Path | None = None) -> Path:
    """Write the run's best reward as a self-contained module.

    Args:
        path: the run directory.
        out_file: where to write it (a folder gets ``<name>_reward.py`` inside it); default
            ``./<name>_reward.py``, in the current directory: the module is for the user's
            project, not for the run. Written with the usual file mode (``0o666`` less the
            umask, so 0644 under the common umask), like any file the user creates.

    Returns:
        The path of the module.

    Raises:
        RewardsmithError: not a run directory, or the run has no best reward yet.
    """
    from rewardsmith.envs.registry import get_task
    from rewardsmith.results.run_root import open_run

    run = open_run(path)
    config = (read_json(run.run_json) or {}).get("config", {})
    best = (read_json(run.state_json) or {}).get("best")
    if not best or not best.get("source"):
        raise RewardsmithError(f"{run.root} has no best reward yet: no candidate finished "
                               f"training (see `rewardsmith inspect {run.root}`)")
    _check_best(best, run.state_json)
    class_name, module_name = export_names(config)
    out = Path(out_file) if out_file else Path.cwd() / f"{module_name}.py"
    if out.is_dir() and not out.is_symlink():
        out = out / f"{module_name}.py"
    source = export_source(
        best["source"], config["env_id"], config.get("env_kwargs") or {}, class_name,
        module_name=out.stem, text=config.get("text", ""), run_name=run.root.name,
        iteration=best["iteration"], candidate=best["candidate"], fitness=best.get("fitness"),
        steps=int(config.get("steps") or (get_task(config["task_id"]).default_steps
                                          if config.get("task_id") else 300_000)))
    write_text(out, source)
    return out


def _check_best(best: Any, path: Path) -> None:
    """The ``best`` entry's fields have the types the exported docstring formats them with.

    ``fitness`` was measured in the sandbox; it reaches the module's docstring, so a value that
    is not a plain number (text that could close the docstring) is refused, not written.
    """
    checks = {"source": lambda v: isinstance(v, str),
              "iteration": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "candidate": lambda v: isinstance(v, str) and re.fullmatch(r"[\w.-]{1,100}", v),
              "fitness": lambda v: v is None or (isinstance(v, int | float)
                                                 and not isinstance(v, bool))}
    bad = [key for key, ok in checks.items() if not ok(best.get(key))]
    if bad:
        raise RewardsmithError(f"{path}: the best entry's {', '.join(bad)} "
                               f"{'is' if len(bad) == 1 else 'are'} not what rewardsmith writes "
                               f"(got {', '.join(ascii(best.get(k))[:40] for k in bad)}); the "
                               f"file was edited or damaged: restore it from a backup, or fix "
                               f"its best entry by hand")


def export_names(config: dict[str, Any]) -> tuple[str, str]:
    """``(class name, module name)`` of a run's export, e.g. ``("CheetahRunReward",
    "cheetah_run_reward")``, from its task id or text."""
    class_name = reward_class_name(config.get("task_id") or config.get("text") or "designed")
    return class_name, re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()


def reward_class_name(label: str) -> str:
    """``"pendulum-balance"`` -> ``PendulumBalanceReward``; a sentence keeps 4 key words."""
    words = [w for w in re.findall(r"[a-z0-9]+", label.lower()) if w not in _STOPWORDS][:4]
    name = "".join(w.capitalize() for w in words) or "Designed"
    return ("R" + name if name[0].isdigit() else name) + "Reward"


def export_source(reward_source: str, env_id: str, env_kwargs: dict[str, Any], class_name: str,
                  **info: Any) -> str:
    """The text of the exported module for ``reward_source`` on ``env_id``.

    Args:
        reward_source: the reward program (defines ``compute_reward``).
        env_id: gymnasium id the reward was designed for.
        env_kwargs: passed to ``gym.make`` in the usage snippet (``ENV_KWARGS``).
        class_name: name of the wrapper class.
        **info: ``module_name``, ``text``, ``run_name``, ``iteration``, ``candidate``,
            ``fitness``, ``steps`` for the docstring.
    """
    from rewardsmith.envs.registry import get_description
    from rewardsmith.errors import UnknownEnvError

    try:
        description = get_description(env_id)
    except UnknownEnvError:  # a user's env not registered in this process: no extraction
        description = None
    try:
        tree = parse(reward_source)
    except SyntaxError as e:
        raise RewardsmithError(f"the reward does not parse (line {e.lineno}: {e.msg})") from e
    futures = [ast.get_source_segment(reward_source, node) for node in tree.body
               if isinstance(node, ast.ImportFrom) and node.module == "__future__"]
    body = "\n".join(line for line in reward_source.strip("\n").splitlines()
                     if line.strip() not in futures)
    fields = _used_fields(tree, description.field_names) if description else []
    context = {
        "env_id": env_id, "env_kwargs": dict(env_kwargs), "class_name": class_name,
        "reward_source": body, "future_imports": futures,
        "module_name": "reward", "text": "", "run_name": "", "iteration": "?", "candidate": "?",
        "fitness": None, "steps": 300_000, **info,
        **(_extractor_context(description, fields) if description else
           {"standalone": False, "recipe": None, "parts": [], "fields": [], "field_specs": []}),
    }
    if context["standalone"] and not _extraction_matches(description, env_kwargs, context):
        context["standalone"] = False
    generated = _render({**context, "reward_source": ""}, with_reward=True)
    clash = _top_level_names(tree) & _top_level_names(parse(generated), defined_only=False)
    if clash:
        raise RewardsmithError(f"the reward defines {sorted(clash)}, which the exported module "
                               f"also defines; rename them in the reward and export again")
    return _render(context, with_reward=True)


def _used_fields(tree: ast.Module, names: list[str]) -> list[str]:
    """Fields ``compute_reward`` reads as ``state.<field>`` or ``state["<field>"]``.

    Any other use of ``state`` or ``next_state`` (passed to a helper, iterated, aliased, a
    mapping method) means every field: the export must never compute less than the reward reads.
    """
    fn = next((node for node in tree.body if isinstance(node, ast.FunctionDef)
               and node.name == "compute_reward"), None)
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args] if fn else []
    if len(params) != 3:
        return list(names)
    watched = {params[0], params[2]}
    parents = {child: node for node in ast.walk(fn) for child in ast.iter_child_nodes(node)}
    used = set()
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Name) and node.id in watched):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in names:
            used.add(parent.attr)
        elif isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant) \
                and parent.slice.value in names:
            used.add(parent.slice.value)
        elif not (isinstance(parent, ast.Attribute) and parent.attr == "batch_size"):
            return list(names)
    return [n for n in names if n in used] or list(names)


def _top_level_names(tree: ast.Module, defined_only: bool = True) -> set[str]:
    """Names bound at module level: defs, classes, assignments (and imports unless defined_only)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom) and not defined_only:
            found |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return found


def _extractor_context(description: Any, fields: list[str]) -> dict[str, Any]:
    """Template variables of the standalone extraction, or ``standalone: False``."""
    layout, specs = description.layout, {f.name: f for f in description.fields}
    base = {"fields": fields, "field_specs": [specs[n] for n in fields], "standalone": True,
            "planar": "torso_pitch" in specs, "nq": layout.get("qpos", (0, 0, (0,)))[2][0],
            "nv": layout.get("qvel", (0, 0, (0,)))[2][0]}
    if set(layout) == _LOCOMOTION_PARTS and set(specs) <= set(_LOCOMOTION_NEEDS):
        parts = set().union(*(_LOCOMOTION_NEEDS[n] for n in fields))
        return {**base, **_probe_locomotion(description), "recipe": "locomotion",
                "parts": [p for p in ("qpos", "qvel", "xpos", "torso_quat", "contact", "time",
                                      "geom_xpos") if p in parts]}
    slices = _probe_slices(description, fields) if set(layout) <= {"qpos", "qvel"} else None
    if slices is None:
        return {**base, "standalone": False, "recipe": None, "parts": []}
    base["field_specs"] = [{"name": n, "doc": specs[n].doc, "shape": specs[n].shape,
                            "unit": specs[n].unit, "part": slices.get(n, ("", ""))[0],
                            "select": slices.get(n, ("", ""))[1]} for n in fields]
    parts = {part for part, _ in slices.values()}
    return {**base, "recipe": "slices", "parts": [p for p in ("qpos", "qvel") if p in parts]}


def _probe_locomotion(description: Any) -> dict[str, Any]:
    """Recover the MjData indices behind the locomotion fields from synthetic snapshots.

    Snapshot ``k`` holds the value ``k`` at every position (so a field that selects a position
    returns that position), except the contact flags, which are one-hot per body across the
    batch (so ``contacts[name]`` is True exactly in the row of its body).
    """
    layout = description.layout
    c0, c1, (nbody,) = layout["contact"]
    probe = np.tile(np.arange(description.snapshot_size, dtype=np.float64), (nbody, 1))
    probe[:, c0:c1] = np.eye(nbody)
    state = description.state_from_snapshots(probe)
    qpos0, qvel0, xpos0 = layout["qpos"][0], layout["qvel"][0], layout["xpos"][0]
    return {
        "nbody": nbody,
        "torso": int((state["torso_height"][0] - xpos0 - 2) // 3),
        "joint_qpos": {k: int(v[0]) - qpos0 for k, v in state["joint_angles"].items()},
        "joint_qvel": {k: int(v[0]) - qvel0 for k, v in state["joint_velocities"].items()},
        "body_ids": {k: int(v[0, 0] - xpos0) // 3 for k, v in state["body_positions"].items()},
        "contact_ids": {k: int(np.argmax(v)) for k, v in state["contacts"].items()},
        # geom names in the order of the snapshot's geom_xpos rows (the reader finds their ids)
        "geom_points": [k for k, _ in sorted(
            state["geom_positions"].items(), key=lambda kv: kv[1][0, 0])]
        if "geom_xpos" in layout and "geom_positions" in description.field_names else [],
    }


def _probe_slices(description: Any, fields: list[str]) -> dict[str, tuple[str, str]] | None:
    """``field -> (part, "k" or "a:b")`` when each field but ``dt`` copies qpos/qvel entries.

    A snapshot whose value at position ``k`` is ``k`` shows which positions a field selects; a
    second one (``2k + 1``) rules out fields that compute something from them.
    """
    ramp = np.arange(description.snapshot_size, dtype=np.float64)
    first = description.state_from_snapshots(ramp[None])
    second = description.state_from_snapshots((2.0 * ramp + 1.0)[None])
    found = {}
    for name in fields:
        if name == "dt":
            continue
        try:
            value = np.asarray(first[name], dtype=np.float64).reshape(-1)
            other = np.asarray(second[name], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):  # a mapping or a non-numeric field
            return None
        shape = np.shape(first[name])
        k = int(value[0]) if value.size else -1
        part = next((p for p, (a, b, _) in description.layout.items() if a <= k < b), None)
        if (part is None or shape not in ((1,), (1, value.size))
                or not np.array_equal(value, np.arange(k, k + value.size))
                or not np.array_equal(other, 2.0 * value + 1.0)
                or k + value.size > description.layout[part][1]):
            return None
        local = k - description.layout[part][0]
        found[name] = (part, str(local) if shape == (1,) else f"{local}:{local + value.size}")
    return found


def _extraction_matches(description: Any, env_kwargs: dict[str, Any],
                        context: dict[str, Any], steps: int = 40) -> bool:
    """Run the generated extraction (no reward code) next to the description on a rollout."""
    import gymnasium as gym

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rewardsmith_export_check.py"
        path.write_text(_render(context, with_reward=False))
        spec = importlib.util.spec_from_file_location("rewardsmith_export_check", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    env = gym.make(description.env_id, **env_kwargs)
    try:
        reader = module.StateReader(env)
        env.reset(seed=0)
        env.action_space.seed(0)
        for _ in range(steps):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            ours, data = reader(env.unwrapped.data), env.unwrapped.data
            theirs = description.state_from_snapshots(description.snapshot(data)[None])
            if not all(_same(ours[n], theirs[n]) for n in context["fields"]):
                return False
            if terminated or truncated:
                env.reset()
    finally:
        env.close()
    return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    return bool(np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))


def _literal(value: Any) -> str:
    """A Python literal with double-quoted strings (the style of the code around it)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        items = [f"{_literal(k)}: {_literal(v)}" for k, v in value.items()]
        line = "{" + ", ".join(items) + "}"
        return line if len(line) <= 70 else "{\n" + "".join(f"    {i},\n" for i in items) + "}"
    return repr(value)


def _render(context: dict[str, Any], with_reward: bool) -> str:
    text = render_result_template("export_module.py.j2", filters={"pyrepr": _literal},
                                  **context, with_reward=with_reward)
    return re.sub(r"\n{4,}", "\n\n\n", text).lstrip("\n")

