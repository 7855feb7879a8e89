"""Requests no built-in task covers, headless: the written success measure, the design run, and
an independent check of the winning policy in plain gymnasium.

    python benchmarks/bench_uncovered_requests.py                   # offline designer
    python benchmarks/bench_uncovered_requests.py --only trot --steps 150000
    python benchmarks/bench_uncovered_requests.py --fake-llm --steps 4096   # the LLM path

For each request: `rewardsmith.design(text)` with the offline designer (no LLM, no person), which
writes the run's fitness.py before any reward; then the best policy (its safe, tensors-only
weights) is rolled out in plain `gymnasium.make(env_id)` and the behaviour that was asked for is
measured from MuJoCo's own `qpos`/`qvel`, not from rewardsmith's state fields or the written
fitness. The checks below were written before any run and not tuned afterwards.

Writes benchmarks/results/uncovered_requests.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHECK_EPISODES = 5


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
    {"name": "trot", "text": "make the half cheetah trot forward at a steady 1 m/s",
     "check": trot_check,
     "fitness": _FITNESS.format(
         doc="Forward speed within 0.25 m/s of 1 m/s, upright.", threshold=0.5,
         body="v = next_state.torso_velocity[:, 0]\n    return np.clip(1 - np.abs(v - 1) / "
              "0.25, 0, 1) * np.clip(next_state.torso_up / 0.7, 0, 1)"),
     "reward": _REWARD.format(main="np.exp(-(next_state.torso_velocity[:, 0] - 1.0) ** 2 / "
                                   "0.09)")},
    {"name": "backwards-slowly", "text": "make the half cheetah move backwards slowly",
     "check": backwards_slowly_check,
     "fitness": _FITNESS.format(
         doc="Backward speed between 0.2 and 0.8 m/s, upright.", threshold=0.5,
         body="v = -next_state.torso_velocity[:, 0]\n    return np.clip(v / 0.2, 0, 1) * "
              "np.clip((1.0 - v) / 0.2, 0, 1) * np.clip(next_state.torso_up / 0.7, 0, 1)"),
     "reward": _REWARD.format(main="np.exp(-(next_state.torso_velocity[:, 0] + 0.5) ** 2 / "
                                   "0.09)")},
    {"name": "hopper-still", "text": "make the hopper stand still", "check": hopper_still_check,
     "fitness": _FITNESS.format(
         doc="Torso above 1.1 m, horizontal speed under 0.2 m/s.", threshold=0.6,
         body="v = np.abs(next_state.torso_velocity[:, 0])\n    return "
              "(next_state.torso_height > 1.1) * np.clip(1 - v / 0.2, 0, 1)"),
     "reward": _REWARD.format(main="1.0 - np.abs(next_state.torso_velocity[:, 0])")},
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


def run_case(case: dict, out: Path, settings: dict, fake_llm: bool = False) -> dict:
    from rewardsmith.errors import RewardsmithError
    from rewardsmith.run.api import design, resume

    t0 = time.perf_counter()
    previous = _existing(out, case["text"])
    try:
        if previous is not None:
            run = resume(previous, say=print)
        elif fake_llm:
            run = _design_through_fake_server(case, out, settings)
        else:
            run = design(case["text"], out=out, designer="offline", say=print, **settings)
    except RewardsmithError as e:  # recorded, and the other cases still run
        return {"name": case["name"], "text": case["text"], "error": str(e)[:500],
                "wall_s": round(time.perf_counter() - t0, 1)}
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
    random_passed = sum(case["check"](*roll_out(None, config["env_id"], config["env_kwargs"],
                                                 seed=20_000 + i))[0]
                        for i in range(CHECK_EPISODES))
    return {"name": case["name"], "text": case["text"], "env": config["env_id"],
            "env_kwargs": config["env_kwargs"], "fitness_doc": meta["doc"],
            "threshold": meta["threshold"], "best_fitness": best.get("fitness"),
            "reeval": state.get("reeval"), "success": state.get("success"),
            "wall_s": round(wall, 1), "check_passed": f"{passed}/{CHECK_EPISODES}",
            "check_agrees": (passed > CHECK_EPISODES // 2) == bool(state.get("success")),
            "check_details": [d for _, d in checks],
            "check_passed_by_random_actions": f"{random_passed}/{CHECK_EPISODES}",
            "run": str(run.path)}


def _wall_of(path: Path) -> float:
    """A finished run's own wall time: from run.json's start to its last event."""
    started = json.loads((path / "run.json").read_text())["started_at"]
    last = max((json.loads(line)["t"] for log in path.glob("iter_*/events.log")
                for line in log.read_text().splitlines() if line.strip()), default=started)
    return round(last - started, 1)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="case name (repeatable)")
    parser.add_argument("--steps", type=int, default=None, help="budget per candidate")
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("runs/bench_uncovered"))
    parser.add_argument("--fake-llm", action="store_true",
                        help="the LLM path against the scripted local server (mechanics only)")
    args = parser.parse_args()
    settings = {"candidates": args.candidates, "iterations": args.iterations}
    if args.steps:
        settings["steps"] = args.steps
    rows, results = [], []
    for case in CASES:
        if args.only and case["name"] not in args.only:
            continue
        result = run_case(case, args.out, settings, args.fake_llm)
        results.append(result)
        if "error" in result:
            rows.append([result["name"], "-", f"error: {result['error'][:80]}", "-", "-",
                         False, result["wall_s"], "-", "-", "-"])
            continue
        rows.append([result["name"], result["env"], result["fitness_doc"][:60],
                     result["threshold"], result["best_fitness"], result["success"],
                     result["wall_s"], result["check_passed"],
                     result["check_passed_by_random_actions"], result["check_agrees"]])
    from common import report

    name = "uncovered_requests_fake_llm" if args.fake_llm else "uncovered_requests"
    who = "scripted LLM server" if args.fake_llm else "offline designer"
    report(name, f"Requests no built-in task covers ({who}, headless)",
           ["request", "env", "written fitness", "threshold", "best fitness", "success",
            "wall s", "independent check", "check on random actions", "agrees"], rows,
           {"settings": settings, "results": results})


if __name__ == "__main__":
    main()
