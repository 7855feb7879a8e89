"""Held-out requests no built-in task covers, designed headless and checked in plain gymnasium.

The held-out benchmark of issue #15: its success rate by an independent check, and wall time.

    python benchmarks/bench_uncovered_requests.py --iterations 1   # all 10, default budgets
    python benchmarks/bench_uncovered_requests.py --iterations 3   # resumes them: up to 3
    python benchmarks/bench_uncovered_requests.py --cases trot walker-crouch --steps 150000
    python benchmarks/bench_uncovered_requests.py --fake-llm --steps 4096   # the LLM path

For each request: `rewardsmith.design(text)` with the offline designer (no LLM, no person), which
writes the run's fitness.py before any reward; then the best policy (its safe, tensors-only
weights) is rolled out in plain `gymnasium.make(env_id)` and the behaviour that was asked for is
measured from MuJoCo's own `qpos`/`qvel`, not from rewardsmith's state fields or the written
fitness. The checks below were written before any run and not tuned afterwards: the JSON keeps
each check's source and a digest of all of them (``checks_sha256``), so a later reader can compare
them with the file's history. A check also runs on uniform random actions, where it must fail.

The requests are the held-out set: none resolves to a built-in task, the offline designer writes
both a success measure and a reward for each (tests/benchmarks/test_uncovered_requests.py checks
both without training), and all run on the bodies that train in minutes on two cores (HalfCheetah,
Hopper, Walker2d). A run of the same text already in ``--out`` is resumed, not started again.

Writes benchmarks/results/uncovered_requests.json (a subset: uncovered_requests-<names>.json).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import inspect
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHECK_EPISODES = 5
HORIZON = 1000  # every env here: a pose held for a share of the episode counts over all of it
# A pose is "held" over two thirds of the episode: getting there takes about a second of the 8 s
# (Hopper, Walker2d), and the rest leaves room for a wobble out and back.
HELD = 2 / 3


def trot_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """HalfCheetah at a steady 1 m/s: mean rootx velocity over the last 80% in [0.7, 1.3] m/s,
    not upside down (|rooty| < 1.2 rad on average)."""
    v = qvel[length // 5:, 0].mean()
    tilt = np.abs(qpos[:, 2]).mean()
    return bool(0.7 <= v <= 1.3 and tilt < 1.2), f"v={v:.2f} m/s, |pitch|={tilt:.2f} rad"


def backwards_slowly_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """HalfCheetah backwards, slowly: mean rootx velocity over the last 80% in [-1.2, -0.15]
    m/s (a backwards run reaches 2 m/s and more), not upside down."""
    v = qvel[length // 5:, 0].mean()
    tilt = np.abs(qpos[:, 2]).mean()
    return bool(-1.2 <= v <= -0.15 and tilt < 1.2), f"v={v:.2f} m/s, |pitch|={tilt:.2f} rad"


def hopper_still_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """Hopper standing still: the episode runs to the 1000-step limit (no fall: the env's own
    health rule), the torso moves less than 0.5 m along x in total and stays above 1.0 m."""
    drift = abs(qpos[-1, 0] - qpos[0, 0])
    height = qpos[:, 1].min()
    return bool(length >= 1000 and drift < 0.5 and height > 1.0), \
        f"length={length}, drift={drift:.2f} m, min height={height:.2f} m"


# --- The held-out cases (issue #15). Written before any run, from the request and the body's
# geometry in gymnasium's own XML (Hopper and Walker2d share one leg: thigh 0.45 m, shin 0.50 m;
# standing straight on the floor the torso centre is 1.21 m high, the hip 1.01 m, the knee
# 0.56 m), never from the offline designer's constants.

@functools.cache
def _model(env_id: str):
    """The MuJoCo model of plain ``gymnasium.make(env_id)`` (for forward kinematics)."""
    import gymnasium as gym

    env = gym.make(env_id)
    model = env.unwrapped.model
    env.close()
    return model


def _heights(env_id: str, qpos: np.ndarray, bodies: tuple[str, ...] = (),
             lowest: tuple[str, ...] = (), top_end: tuple[str, ...] = ()) -> np.ndarray:
    """Heights (m, above the floor at z = 0) per step, from ``qpos`` by forward kinematics.

    Columns, in order: each body frame's z (``bodies``; a thigh's frame is its hip joint), each
    capsule geom's lowest surface point (``lowest``: a foot touches the floor when this is ~0),
    and the z of each capsule geom's +z end (``top_end``: a shin's is the knee).
    """
    import mujoco

    model = _model(env_id)
    data = mujoco.MjData(model)
    body_ids = [model.body(n).id for n in bodies]
    low_ids = [model.geom(n).id for n in lowest]
    top_ids = [model.geom(n).id for n in top_end]
    out = np.zeros((len(qpos), len(body_ids) + len(low_ids) + len(top_ids)))
    for t, q in enumerate(qpos):
        data.qpos[:] = q
        mujoco.mj_kinematics(model, data)
        row = [data.xpos[b][2] for b in body_ids]
        for g in low_ids:  # capsule: centre, axis (local z), radius, half-length
            radius, half = model.geom_size[g][:2]
            axis_z = data.geom_xmat[g].reshape(3, 3)[2, 2]
            row.append(data.geom_xpos[g][2] - abs(axis_z) * half - radius)
        for g in top_ids:
            half = model.geom_size[g][1]
            row.append(data.geom_xpos[g][2] + data.geom_xmat[g].reshape(3, 3)[2, 2] * half)
        out[t] = row
    return out


def _wrapped(angle: np.ndarray) -> np.ndarray:
    """An angle in [-pi, pi]: rooty is a free hinge, and a body that tumbled once reads 2 pi."""
    return np.angle(np.exp(1j * angle))


def cheetah_3ms_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """HalfCheetah at 3 m/s: mean rootx velocity over the last 80% in [2.4, 3.6] m/s (within a
    fifth of the number asked: 2 or 4 m/s would be another request; the stride makes the speed
    swing, so the mean over the episode is what "runs at" means), not upside down (|rooty| <
    1.2 rad on average, as for the trot, with the angle wrapped to [-pi, pi])."""
    v = qvel[length // 5:, 0].mean()
    tilt = np.abs(_wrapped(qpos[:, 2])).mean()
    return bool(2.4 <= v <= 3.6 and tilt < 1.2), f"v={v:.2f} m/s, |pitch|={tilt:.2f} rad"


def hopper_slowly_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """Hopper forward, slowly: the episode runs to the 1000-step limit (a fall ends it, and
    hopping includes staying up), and the mean rootx velocity over the last 80% is in [0.15,
    0.8] m/s. Slowly, for a body whose leg is about 1 m long: under 0.8 m/s, well below a
    person's 1.3 m/s walk on legs of that length; at least 0.15 m/s, about 1 m of travel over
    the last 6.4 s, so it goes somewhere instead of hopping on the spot."""
    v = qvel[length // 5:, 0].mean()
    return bool(length >= HORIZON and 0.15 <= v <= 0.8), f"length={length}, v={v:.2f} m/s"


def walker_1ms_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """Walker2d forward at 1 m/s: the episode runs to the 1000-step limit (no fall: the env's own
    rule, torso 0.8-2 m high and |pitch| < 1 rad), and the mean rootx velocity over the last 80%
    is in [0.7, 1.3] m/s (the trot's band: 30% off a stated walking pace is plainly another
    pace)."""
    v = qvel[length // 5:, 0].mean()
    return bool(length >= HORIZON and 0.7 <= v <= 1.3), f"length={length}, v={v:.2f} m/s"


def walker_one_leg_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """Walker2d standing on one leg: the episode runs to the 1000-step limit (no fall), the torso
    moves less than 1 m along x in total (standing, not walking or hopping away; balancing on
    one foot may shuffle), and for at least two thirds of the 1000 steps: the torso centre
    above 1.0 m (standing on straight legs: 1.21 m; 1.0 m is the hips 0.2 m down, a crouch),
    one foot on the floor (its lowest point under 2 cm) and the other lifted clear of it (over
    5 cm: more than a sole's wobble). Either foot may be the one down."""
    h = _heights("Walker2d-v5", qpos, lowest=("foot_geom", "foot_left_geom"))
    down = h < 0.02
    up = h > 0.05
    one = (down[:, 0] & up[:, 1]) | (down[:, 1] & up[:, 0])
    held = np.sum(one & (qpos[:, 1] > 1.0)) / HORIZON
    drift = abs(qpos[-1, 0] - qpos[0, 0])
    return bool(length >= HORIZON and drift < 1.0 and held >= HELD), \
        f"length={length}, drift={drift:.2f} m, on one leg {held:.0%} of the steps"


def _crouch_share(env_id: str, qpos: np.ndarray, left: bool) -> tuple[float, float, float]:
    """Share of the horizon crouching (see :func:`walker_crouch_check`), median hip height and
    median |pitch|."""
    hips = ("thigh", "thigh_left") if left else ("thigh",)
    shins = ("leg_geom", "leg_left_geom") if left else ("leg_geom",)
    h = _heights(env_id, qpos, bodies=hips, top_end=shins)
    hip, knees = h[:, :len(hips)].min(axis=1), h[:, len(hips):].min(axis=1)
    pitch = np.abs(_wrapped(qpos[:, 2]))
    crouched = (hip >= 0.25) & (hip <= 0.85) & (pitch < 1.0) & (knees > 0.15)
    return float(np.sum(crouched) / HORIZON), float(np.median(hip)), float(np.median(pitch))


def walker_crouch_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """Walker2d crouching, for at least two thirds of the 1000 steps: the hips (the thigh
    frames: 1.0 m high standing with the feet on the floor) between 0.25 and 0.85 m, i.e.
    lowered by at least 0.15 m, a sixth of the 0.95 m leg (visibly bent knees), yet off the
    floor (sitting on the floor puts them under 0.1 m); the torso within 1 rad (57 deg) of
    vertical, the env's own fall angle (its hips cannot flex forward of the torso, range
    -150..0 deg, so a crouch tilts the torso about as far as the thighs, but past 1 rad it is
    nearer lying than crouching); and both knees (the shins' top ends) above 0.15 m: a knee on
    the floor is kneeling, not crouching on the feet."""
    share, hip, pitch = _crouch_share("Walker2d-v5", qpos, left=True)
    return bool(share >= HELD), \
        f"crouched {share:.0%} of the steps, median hip {hip:.2f} m, |pitch| {pitch:.2f} rad"


def hopper_crouch_check(qpos: np.ndarray, qvel: np.ndarray, length: int) -> tuple[bool, str]:
    """Hopper crouching: the walker's crouch on the hopper's one leg (the same thigh, shin and
    joint ranges): for at least two thirds of the 1000 steps the hip between 0.25 and 0.85 m,
    the torso within 1 rad of vertical and the knee above 0.15 m."""
    share, hip, pitch = _crouch_share("Hopper-v5", qpos, left=False)
    return bool(share >= HELD), \
        f"crouched {share:.0%} of the steps, median hip {hip:.2f} m, |pitch| {pitch:.2f} rad"


def walker_backwards_slowly_check(qpos: np.ndarray, qvel: np.ndarray, length: int
                                  ) -> tuple[bool, str]:
    """Walker2d backwards, slowly: the episode runs to the 1000-step limit (no fall), and the
    mean rootx velocity over the last 80% is in [-0.8, -0.15] m/s: the hopper's "slowly" (the
    same 1 m leg: under 0.8 m/s, well below a person's 1.3 m/s walk) going the other way, at
    least 1 m back over the last 6.4 s."""
    v = qvel[length // 5:, 0].mean()
    return bool(length >= HORIZON and -0.8 <= v <= -0.15), f"length={length}, v={v:.2f} m/s"


# Scripted replies for --fake-llm: they exercise the LLM path's mechanics (the fitness prompt,
# the trial, the review, the reward prompts) over real HTTP; they say nothing of an LLM's quality.
_FITNESS = (
    '"""{doc}"""\nimport numpy as np\n\nSUCCESS_THRESHOLD = {threshold}\n\n\n'
    "def compute_fitness(state, action, next_state):\n    {body}\n")
_REWARD = (
    "```python\nimport numpy as np\n\ndef compute_reward(state, action, next_state):\n"
    "    main = {main}\n    cost = -0.1 * np.sum(action ** 2, axis=1)\n"
    '    return main + cost, {{"main": main, "action_cost": cost}}\n```')
CASES = [
    {"name": "trot", "asks": "target speed",
     "text": "make the half cheetah trot forward at a steady 1 m/s",
     "check": trot_check,
     "fitness": _FITNESS.format(
         doc="Forward speed within 0.25 m/s of 1 m/s, upright.", threshold=0.5,
         body="v = next_state.torso_velocity[:, 0]\n    return np.clip(1 - np.abs(v - 1) / "
              "0.25, 0, 1) * np.clip(next_state.torso_up / 0.7, 0, 1)"),
     "reward": _REWARD.format(main="np.exp(-(next_state.torso_velocity[:, 0] - 1.0) ** 2 / "
                                   "0.09)")},
    {"name": "backwards-slowly", "asks": "slowly, direction",
     "text": "make the half cheetah move backwards slowly",
     "check": backwards_slowly_check,
     "fitness": _FITNESS.format(
         doc="Backward speed between 0.2 and 0.8 m/s, upright.", threshold=0.5,
         body="v = -next_state.torso_velocity[:, 0]\n    return np.clip(v / 0.2, 0, 1) * "
              "np.clip((1.0 - v) / 0.2, 0, 1) * np.clip(next_state.torso_up / 0.7, 0, 1)"),
     "reward": _REWARD.format(main="np.exp(-(next_state.torso_velocity[:, 0] + 0.5) ** 2 / "
                                   "0.09)")},
    {"name": "hopper-still", "asks": "stillness",
     "text": "make the hopper stand still", "check": hopper_still_check,
     "fitness": _FITNESS.format(
         doc="Torso above 1.1 m, horizontal speed under 0.2 m/s.", threshold=0.6,
         body="v = np.abs(next_state.torso_velocity[:, 0])\n    return "
              "(next_state.torso_height > 1.1) * np.clip(1 - v / 0.2, 0, 1)"),
     "reward": _REWARD.format(main="1.0 - np.abs(next_state.torso_velocity[:, 0])")},
    # The held-out cases added for #15 (no scripted LLM replies: --fake-llm skips them).
    {"name": "cheetah-3ms", "asks": "target speed",
     "text": "make the half cheetah run forward at 3 m/s", "check": cheetah_3ms_check},
    {"name": "hopper-slowly", "asks": "slowly, direction",
     "text": "make the hopper hop forward slowly", "check": hopper_slowly_check},
    {"name": "walker-1ms", "asks": "target speed",
     "text": "make the walker walk forward at 1 m/s", "check": walker_1ms_check},
    {"name": "walker-one-leg", "asks": "one-leg qualifier",
     "text": "make the walker stand on one leg", "check": walker_one_leg_check},
    {"name": "walker-crouch", "asks": "pose by height",
     "text": "make the walker crouch", "check": walker_crouch_check},
    {"name": "hopper-crouch", "asks": "pose by height",
     "text": "make the hopper crouch", "check": hopper_crouch_check},
    {"name": "walker-backwards-slowly", "asks": "slowly, direction",
     "text": "make the walker walk backwards slowly", "check": walker_backwards_slowly_check},
]


def roll_out(folder: Path | None, env_id: str, env_kwargs: dict, seed: int) -> tuple:
    """One episode in plain gymnasium: qpos, qvel per step and the length. ``folder`` None:
    uniform random actions (how often the check passes without any training)."""
    import gymnasium as gym

    from rewardsmith.rl.safe_policy import load_safe_policy

    env = gym.make(env_id, **env_kwargs)
    if folder is None:
        env.action_space.seed(seed)
        act = lambda obs: env.action_space.sample()  # noqa: E731
    else:
        policy = load_safe_policy(folder, env_id, env_kwargs)
        act = lambda obs: policy.predict(obs[None])[0]  # noqa: E731
    obs, _ = env.reset(seed=seed)
    qpos, qvel = [], []
    done, length = False, 0
    while not done:
        action = act(obs)
        obs, _, terminated, truncated, _ = env.step(action)
        data = env.unwrapped.data
        qpos.append(data.qpos.copy())
        qvel.append(data.qvel.copy())
        length += 1
        done = terminated or truncated
    env.close()
    return np.array(qpos), np.array(qvel), length


def _existing(out: Path, text: str) -> Path | None:
    """A run of ``text`` already in ``out`` (resumed instead of started again)."""
    for run_json in sorted(out.glob("*/run.json")):
        if json.loads(run_json.read_text())["config"]["text"] == text:
            return run_json.parent
    return None


def check_record(case: dict) -> dict:
    """What the JSON keeps of a case's check: its name, its source and the source's digest."""
    source = inspect.getsource(case["check"])
    return {"check": case["check"].__name__, "check_source": source,
            "check_sha256": hashlib.sha256(source.encode()).hexdigest()}


def checks_digest(cases: list[dict]) -> str:
    """One digest of every case's name, text and check source: edits after the runs show."""
    digest = hashlib.sha256()
    for case in cases:
        digest.update(f"{case['name']}\n{case['text']}\n".encode())
        digest.update(inspect.getsource(case["check"]).encode())
    return digest.hexdigest()


def check_on_random(case: dict, env_id: str | None = None, env_kwargs: dict | None = None,
                    episodes: int = CHECK_EPISODES) -> tuple[int, list[str]]:
    """How many of ``episodes`` uniform-random-action episodes pass the case's check (it should
    be none), and each one's details. The env and its settings default to what the request
    resolves to (a crouch runs without early termination, as its design run does)."""
    if env_id is None:
        from rewardsmith.envs.task_resolution import resolve_task

        resolved = resolve_task(case["text"])
        env_id, env_kwargs = resolved.env_id, resolved.env_kwargs
    results = [case["check"](*roll_out(None, env_id, env_kwargs or {}, seed=20_000 + i))
               for i in range(episodes)]
    return sum(ok for ok, _ in results), [d for _, d in results]


def run_case(case: dict, out: Path, settings: dict, fake_llm: bool = False) -> dict:
    from common import git_state

    from rewardsmith.errors import RewardsmithError
    from rewardsmith.run.api import design, resume

    t0 = time.perf_counter()
    previous = _existing(out, case["text"])
    about = {"name": case["name"], "text": case["text"], "asks": case.get("asks", ""),
             **check_record(case), **git_state()}
    try:
        if previous is not None:
            # the bench's own settings win: a run made with fewer iterations goes on
            run = resume(previous, say=print, iterations=settings["iterations"])
        elif fake_llm:
            run = _design_through_fake_server(case, out, settings)
        else:
            run = design(case["text"], out=out, designer="offline", say=print, **settings)
    except RewardsmithError as e:  # recorded, and the other cases still run
        return {**about, "error": str(e)[:500], "wall_s": round(time.perf_counter() - t0, 1)}
    wall = time.perf_counter() - t0
    if previous is not None:
        wall = _wall_of(run.path)
    config = json.loads((run.path / "run.json").read_text())["config"]
    meta = json.loads((run.path / "fitness.json").read_text())
    best = run.best or {}
    state = run.state
    checks = []
    for i in range(CHECK_EPISODES):
        qpos, qvel, length = roll_out(run.path / "best", config["env_id"], config["env_kwargs"],
                                      seed=10_000 + i)
        checks.append(case["check"](qpos, qvel, length))
    passed = sum(ok for ok, _ in checks)
    random_passed, _ = check_on_random(case, config["env_id"], config["env_kwargs"])
    return {**about, "env": config["env_id"],
            "env_kwargs": config["env_kwargs"], "fitness_doc": meta["doc"],
            "threshold": meta["threshold"], "best_fitness": best.get("fitness"),
            "reeval": state.get("reeval"), "success": state.get("success"),
            "wall_s": round(wall, 1), "check_passed": f"{passed}/{CHECK_EPISODES}",
            "check_success": passed > CHECK_EPISODES // 2,
            "check_agrees": (passed > CHECK_EPISODES // 2) == bool(state.get("success")),
            "check_details": [d for _, d in checks],
            "check_passed_by_random_actions": f"{random_passed}/{CHECK_EPISODES}",
            "run": str(run.path)}


def summarize(results: list[dict], settings: dict, cases: list[dict]) -> dict:
    """Successes by the independent check and by the run's own measure, their agreement, wall
    times, the settings and the checks' digest. A case that errored counts as a failure of both
    (and as agreeing)."""
    n = len(results)
    by_check = sum(bool(r.get("check_success")) for r in results)
    by_run = sum(bool(r.get("success")) for r in results)
    agree = sum(bool(r.get("check_success")) == bool(r.get("success")) for r in results)
    walls = [r["wall_s"] for r in results]
    return {"cases": [r["name"] for r in results],
            "success_by_independent_check": f"{by_check}/{n}",
            "success_by_run_measure": f"{by_run}/{n}",
            "check_and_run_agree": f"{agree}/{n}",
            "errors": [r["name"] for r in results if "error" in r],
            "wall_total_s": round(sum(walls), 1),
            "wall_median_s": round(statistics.median(walls), 1) if walls else None,
            "goal": "7 of 10 or better by the independent check (issue #15)",
            "settings": settings, "check_episodes": CHECK_EPISODES,
            "checks_sha256": checks_digest(cases)}


def _wall_of(path: Path) -> float:
    """A resumed run's own wall time: from run.json's start to its first iteration's first
    event (the success measure and its trial), then each iteration's first to last event.

    The time a run sat stopped before it was resumed is not counted; neither are the seconds
    between iterations (the offline designer's; an iteration's events span its trainings)."""
    started = json.loads((path / "run.json").read_text())["started_at"]
    spans = []
    for log in sorted(path.glob("iter_*/events.log")):
        times = [json.loads(line)["t"] for line in log.read_text().splitlines() if line.strip()]
        if times:
            spans.append((min(times), max(times)))
    if not spans:
        return 0.0
    return round(spans[0][0] - started + sum(end - begin for begin, end in spans), 1)


def _design_through_fake_server(case: dict, out: Path, settings: dict):
    """The LLM path over real HTTP against the scripted OpenAI-compatible server."""
    import os

    from rewardsmith.run.api import design
    from rewardsmith.testing.fake_openai import FakeOpenAIServer
    from rewardsmith.testing.fake_openai_rules import Rule

    fitness_reply = "The measure:\n```python\n" + case["fitness"] + "```"
    rules = [Rule(fitness_reply, match="SUCCESS MEASURE", on="system"),
             Rule('{"verdict": "accept", "reasons": ["scripted"], "fix": ""}',
                  match="You review reward functions", on="system")]
    os.environ.setdefault("OPENAI_API_KEY", "sk-fake")
    with FakeOpenAIServer(rules, default_reply=case["reward"]) as server:
        return design(case["text"], out=out, designer="llm", base_url=server.base_url,
                      model="scripted-fake", say=print, **settings)


def select_cases(names: list[str] | None) -> list[dict]:
    """The cases named (in the file's order), or all of them; an unknown name is an error."""
    known = [c["name"] for c in CASES]
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        raise SystemExit(f"unknown case {', '.join(unknown)}; known cases: {', '.join(known)}")
    return [c for c in CASES if not names or c["name"] in names]


def results_name(names: list[str], fake_llm: bool) -> str:
    """``uncovered_requests`` for every case; a subset gets its names, so it never overwrites
    the full table."""
    name = "uncovered_requests_fake_llm" if fake_llm else "uncovered_requests"
    if set(names) != {c["name"] for c in CASES}:
        name += "-" + "-".join(names) if len(names) <= 3 else "-subset"
    return name


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", metavar="NAME",
                        help=f"cases to run (default: all): {', '.join(c['name'] for c in CASES)}")
    parser.add_argument("--only", action="append", help="a case name (repeatable; as --cases)")
    parser.add_argument("--steps", type=int, default=None, help="budget per candidate")
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("runs/bench_uncovered"))
    parser.add_argument("--fake-llm", action="store_true",
                        help="the LLM path against the scripted local server (mechanics only)")
    return parser.parse_args(argv)


def partial_path(name: str) -> Path:
    """Where the cases finished so far are kept while a run of several hours goes on."""
    return Path(__file__).resolve().parent / "results" / f"{name}.partial.json"


def save_partial(name: str, results: list[dict], settings: dict) -> None:
    """Write the finished cases after each one: a run stopped part-way keeps what it measured
    (the final table replaces this file)."""
    path = partial_path(name)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"benchmark": name, "partial": True,
                                "summary": summarize(results, settings, CASES),
                                "results": results}, indent=2, default=str))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = {"candidates": args.candidates, "iterations": args.iterations}
    if args.steps:
        settings["steps"] = args.steps
    cases = select_cases((args.cases or []) + (args.only or []))
    if args.fake_llm:
        skipped = [c["name"] for c in cases if "fitness" not in c]
        if skipped:
            print(f"--fake-llm: no scripted replies for {', '.join(skipped)}: skipped")
        cases = [c for c in cases if "fitness" in c]
    rows, results = [], []
    name = results_name([c["name"] for c in cases], args.fake_llm)
    for case in cases:
        result = run_case(case, args.out, settings, args.fake_llm)
        results.append(result)
        save_partial(name, results, settings)
        if "error" in result:
            rows.append([result["name"], "-", f"error: {result['error'][:80]}", "-", "-",
                         False, result["wall_s"], "-", "-", "-"])
            continue
        rows.append([result["name"], result["env"], result["fitness_doc"][:60],
                     result["threshold"], result["best_fitness"], result["success"],
                     result["wall_s"], result["check_passed"],
                     result["check_passed_by_random_actions"], result["check_agrees"]])
    from common import report

    who = "scripted LLM server" if args.fake_llm else "offline designer"
    summary = summarize(results, settings, CASES)
    report(name,
           f"Requests no built-in task covers ({who}, headless)",
           ["request", "env", "written fitness", "threshold", "best fitness", "success",
            "wall s", "independent check", "check on random actions", "agrees"], rows,
           {**summary, "results": results})
    partial_path(name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
