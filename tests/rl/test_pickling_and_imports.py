"""What a subprocess needs: reward programs (and functions taken out of them) and the reward
wrappers cross ``spawn`` by value or by recipe, descriptions by env id; and importing the
wrappers pulls in numpy and gymnasium, not torch or SB3."""

from __future__ import annotations

import pickle
import subprocess
import sys
from functools import partial
from pathlib import Path

import cloudpickle
import gymnasium as gym
import numpy as np

from rewardsmith import RewardWrapper, load_reward
from rewardsmith.envs.registry import get_description, get_task

ROOT = Path(__file__).resolve().parents[2]
REWARD = get_task("cheetah-run").reference_reward_path


def test_a_function_taken_out_of_a_reward_program_crosses_spawn():
    fn = load_reward(REWARD).fn  # a plain function of a module only this process has
    envs = gym.vector.AsyncVectorEnv(
        [partial(lambda f: RewardWrapper(gym.make("HalfCheetah-v5"), f), fn)] * 2,
        context="spawn")
    envs.reset(seed=0)
    _, rewards, _, _, info = envs.step(np.zeros((2, 6)))
    envs.close()
    assert np.allclose(rewards, info["reward_components"]["forward"])


def test_reward_program_and_wrapped_env_round_trip_through_pickle():
    program = load_reward(REWARD)
    again = pickle.loads(pickle.dumps(program))
    assert again.source == program.source and again.origin == program.origin
    env = cloudpickle.loads(cloudpickle.dumps(RewardWrapper(gym.make("HalfCheetah-v5"), REWARD)))
    env.reset(seed=0)
    assert "reward_components" in env.step(np.zeros(6))[-1]


def test_a_registered_description_pickles_as_its_env_id():
    description = get_description("HalfCheetah-v5")
    data = pickle.dumps(description)
    assert len(data) < 200 and pickle.loads(data) is description


def test_importing_the_wrappers_needs_numpy_and_gymnasium_only():
    code = ("import sys, rewardsmith\n"
            "for name in ('RewardWrapper', 'RewardVectorWrapper', 'CaptureState', "
            "'EpisodeComponentTracker', 'register_env_with_reward', 'load_reward'):\n"
            "    getattr(rewardsmith, name)\n"
            "print(sorted(m for m in ('torch', 'stable_baselines3', 'mujoco') "
            "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
