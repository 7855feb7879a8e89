"""How the returned policies of reference runs end their episodes: upright, on their backs, cut off.

A task's fitness averages over the episodes an evaluation happens to draw; this rolls a
training's returned policy out on new episodes and says, for each, how it ended: its length,
whether the env ended it, the torso's height and its up axis (1 upright, -1 upside down) at the
last step (the env's named state: ``torso_height``, ``torso_up``), and its forward speed over
the horizon (the root's x, on its back included).
Each episode's task fitness too, read from the same steps through the env's description (the
sum of the per-step fitness over the horizon, as an evaluation scores it; the README's task table
uses 4 episodes). The env's dynamics are chaotic enough that the same seed through the package's
vectorised evaluation gives other trajectories, so this loop scores its own episodes.

    python benchmarks/bench_returned_postures.py --task ant-run --runs /tmp/refruns --seeds 0 1

``--runs`` is the ``--out`` folder of ``bench_reference_runs.py`` (policies written by trusted
reference trainings, loaded here). Writes ``benchmarks/results/postures_<task>[_<name>].json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import git_state, report  # noqa: E402 (after the path set-up)

FIRST_SEED = 20_000  # away from training's seeds and the evaluations' 10,000


def roll_out(folder: Path, task, episodes: int) -> list[dict]:
    """Each new episode of the policy in ``folder``: how long, how it ended, where the torso was."""
    import gymnasium as gym

    from rewardsmith.envs.registry import get_description
    from rewardsmith.rl.policy import load_policy

    env_id, env_kwargs = task.env_id, dict(task.env_kwargs)
    policy = load_policy(folder, env_id, env_kwargs)
    description = get_description(env_id)

    def state(data):
        return description.state_from_snapshots(description.snapshot(data)[None])

    rows = []
    for episode in range(episodes):
        env = gym.make(env_id, **env_kwargs)
        obs, _ = env.reset(seed=FIRST_SEED + episode)
        data, dt = env.unwrapped.data, env.unwrapped.dt
        x0, horizon = float(data.qpos[0]), env.spec.max_episode_steps
        steps, terminated, truncated, fitness = 0, False, False, 0.0
        end = state(data)
        while not (terminated or truncated):
            before, action = end, policy.predict(obs[None])
            obs, _, terminated, truncated, _ = env.step(action[0])
            end = state(data)  # this step's next state is the next step's state
            fitness += float(np.asarray(task.fitness(before, action, end))[0])
            steps += 1
        up = float(end.torso_up[0])
        rows.append({"episode": episode, "length": steps, "ended_by_env": bool(terminated),
                     "torso_height": round(float(end.torso_height[0]), 3),
                     "torso_up": round(up, 3), "on_its_back": up < 0.0,
                     "speed_over_horizon": round((float(data.qpos[0]) - x0) / (horizon * dt), 3),
                     "fitness": fitness / horizon})
        env.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument("--runs", type=Path, required=True,
                        help="bench_reference_runs.py's --out folder (<runs>/<task>/seed<N>)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--episodes", type=int, default=12)
    parser.add_argument("--name", default=None, help="suffix of the results file")
    args = parser.parse_args(argv)

    from rewardsmith.envs.registry import get_task

    task = get_task(args.task)
    per_seed = {}
    for seed in args.seeds:
        folder = args.runs / args.task / f"seed{seed}"
        if not (folder / "policy.zip").exists():
            raise SystemExit(f"error: no policy in {folder}; train it with "
                             f"bench_reference_runs.py --out {args.runs}")
        per_seed[seed] = roll_out(folder, task, args.episodes)
    columns = ["seed", "episodes", "on its back", "ended by the env", "mean speed (m/s)",
               "mean speed, upright episodes (m/s)", "task fitness (mean)",
               f"episodes at the threshold ({task.success_threshold:g})"]
    rows = []
    for seed, episodes in per_seed.items():
        upright = [r["speed_over_horizon"] for r in episodes if not r["on_its_back"]]
        rows.append([seed, len(episodes), sum(r["on_its_back"] for r in episodes),
                     sum(r["ended_by_env"] for r in episodes),
                     float(np.mean([r["speed_over_horizon"] for r in episodes])),
                     float(np.mean(upright)) if upright else None,
                     float(np.mean([r["fitness"] for r in episodes])),
                     sum(r["fitness"] >= task.success_threshold for r in episodes)])
    name = f"postures_{args.task}" + (f"_{args.name}" if args.name else "")
    path = report(name, f"{args.task}: returned policies on {args.episodes} new episodes each",
                  columns, rows, {"task": args.task, "runs": str(args.runs),
                                  "first_seed": FIRST_SEED, **git_state()})
    written = json.loads(path.read_text())  # each episode too, in the file only
    written["episodes"] = {str(seed): episodes for seed, episodes in per_seed.items()}
    path.write_text(json.dumps(written, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
