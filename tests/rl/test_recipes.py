"""The README's recipes for using a reward in your own RL code, each trained for real.

Every recipe trains a few thousand HalfCheetah steps (episodes cut to 100 steps so several end)
in the stack a user would build, and checks the one thing that matters in their logs: the
episode return the stack logs (SB3's ``Monitor``/``VecMonitor`` or gymnasium's
``RecordEpisodeStatistics``, in ``info["episode"]["r"]``) equals the sum of the designed
rewards over that episode. The designed reward is recomputed here from the components (the
cheetah-run reward is their sum), not read from the wrapper's own bookkeeping. The stacks:
SB3 PPO over ``DummyVecEnv`` and ``SubprocVecEnv`` (``forkserver`` and ``spawn``), gymnasium's
``SyncVectorEnv`` and ``AsyncVectorEnv(context="spawn")``, a CleanRL-style wrapper stack with
the reward right after ``gym.make``, rl-zoo3's ``env_wrapper``/``vec_env_wrapper`` YAML keys
(rl-zoo3's own ``get_wrapper_class`` when installed, else the same few lines here), and a
gymnasium id registered with the reward inside.
"""

from __future__ import annotations

import importlib
import warnings
from functools import partial

import gymnasium as gym
import numpy as np
import pytest
import torch
import yaml
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import SubprocVecEnv, VecNormalize

import rewardsmith
from rewardsmith.envs.registry import get_task

ENV_ID = "HalfCheetah-v5"
EPISODE = 100
KWARGS = {"max_episode_steps": EPISODE}
REWARD = str(get_task("cheetah-run").reference_reward_path)
PPO_KWARGS = {"n_steps": 256, "batch_size": 128, "n_epochs": 2, "seed": 0, "device": "cpu"}


def designed(components: dict) -> float:
    """The cheetah-run reward is the sum of its components (forward + action_cost)."""
    return float(sum(components.values()))


class CheckLoggedReturns(BaseCallback):
    """Sums the designed rewards per env and compares every logged episode return with them."""

    def __init__(self):
        super().__init__()
        self.running: np.ndarray | None = None
        self.checked: list[tuple[float, float]] = []

    def _on_step(self) -> bool:
        infos, dones = self.locals["infos"], self.locals["dones"]
        if self.running is None:
            self.running = np.zeros(len(infos))
        for i, info in enumerate(infos):
            self.running[i] += designed(info["reward_components"])
            if dones[i]:
                self.checked.append((info["episode"]["r"], self.running[i]))
                self.running[i] = 0.0
        return True

    def assert_all_match(self, model: PPO) -> None:
        assert len(self.checked) >= 4, self.checked
        logged, summed = np.array(self.checked).T
        assert np.allclose(logged, summed, rtol=1e-5, atol=1e-4), self.checked
        # SB3's ep_rew_mean is built from the same "episode" entries
        buffer = [e["r"] for e in model.ep_info_buffer]
        assert np.allclose(buffer, logged[-len(buffer):], rtol=1e-5, atol=1e-4)


def train_sb3(venv, steps: int = 2048) -> CheckLoggedReturns:
    check = CheckLoggedReturns()
    model = PPO("MlpPolicy", VecNormalize(venv), **PPO_KWARGS)
    model.learn(steps, callback=[check, rewardsmith.LogRewardComponents()])
    check.assert_all_match(model)
    model.get_env().close()
    return check


def test_sb3_over_the_users_own_dummy_vec_env():
    venv = sb3_make_vec_env(ENV_ID, n_envs=2, env_kwargs=KWARGS)  # Monitor inside each env
    train_sb3(rewardsmith.VecRewardWrapper(venv, REWARD))


@pytest.mark.parametrize("start_method", ["forkserver", "spawn"])
def test_sb3_over_subproc_vec_env(start_method):
    venv = sb3_make_vec_env(ENV_ID, n_envs=2, env_kwargs=KWARGS, vec_env_cls=SubprocVecEnv,
                            vec_env_kwargs={"start_method": start_method})
    train_sb3(rewardsmith.VecRewardWrapper(venv, REWARD))


def test_sb3_with_rewardsmith_make_vec_env():
    train_sb3(rewardsmith.make_vec_env(ENV_ID, 2, env_kwargs=KWARGS, reward=REWARD))


def test_sb3_logs_components_through_the_callback(tmp_path):
    from stable_baselines3.common.logger import configure

    model = PPO("MlpPolicy", VecNormalize(rewardsmith.make_vec_env(
        ENV_ID, 2, env_kwargs=KWARGS, reward=REWARD)), **PPO_KWARGS)
    model.set_logger(configure(str(tmp_path), ["csv"]))
    model.learn(1024, callback=rewardsmith.LogRewardComponents())
    import csv

    rows = list(csv.DictReader((tmp_path / "progress.csv").open()))
    logged = [r for r in rows if r.get("rewardsmith/ep_return")]
    assert logged
    for row in logged:
        total = float(row["rewardsmith/ep_return"])
        parts = float(row["rewardsmith/component/forward"]) + float(
            row["rewardsmith/component/action_cost"])
        assert total == pytest.approx(parts, rel=1e-4, abs=1e-3)
        assert float(row["rewardsmith/ep_length"]) == EPISODE


# --- gymnasium vector envs, CleanRL-style loops -------------------------------------------------
def train_gymnasium(envs, steps: int = 2048, seed: int = 0) -> list[tuple[float, float]]:
    """A small CleanRL-style loop (Gaussian policy, REINFORCE on normalised returns) that
    checks every ``RecordEpisodeStatistics`` return against the summed designed rewards."""
    torch.manual_seed(seed)
    n = envs.num_envs
    obs_dim = envs.single_observation_space.shape[0]
    act_dim = envs.single_action_space.shape[0]
    policy = torch.nn.Linear(obs_dim, act_dim)
    log_std = torch.nn.Parameter(torch.full((act_dim,), -0.5))
    optimiser = torch.optim.Adam([*policy.parameters(), log_std], lr=3e-3)
    obs, _ = envs.reset(seed=seed)
    running, checked, batch = np.zeros(n), [], []
    for _ in range(steps // n):
        dist = torch.distributions.Normal(policy(torch.as_tensor(obs, dtype=torch.float32)),
                                          log_std.exp())
        action = dist.sample()
        obs, reward, terminated, truncated, infos = envs.step(action.numpy())
        batch.append((dist.log_prob(action).sum(-1), torch.as_tensor(reward)))
        components = {k: v for k, v in infos.get("reward_components", {}).items()
                      if not k.startswith("_")}  # gymnasium adds a mask "_<name>" per key
        stepped = infos.get("_reward_components", np.zeros(n, bool))
        for i in np.flatnonzero(stepped):
            running[i] += designed({k: v[i] for k, v in components.items()})
        episode = infos.get("episode")
        if episode is not None:
            for i in np.flatnonzero(infos["_episode"]):
                checked.append((float(episode["r"][i]), running[i]))
                running[i] = 0.0
        if len(batch) == 64:  # one policy-gradient update per 64 vector steps
            log_probs = torch.stack([b[0] for b in batch])
            returns = torch.stack([b[1] for b in batch]).float().flip(0).cumsum(0).flip(0)
            loss = -(log_probs * (returns - returns.mean()) / (returns.std() + 1e-8)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            batch = []
    envs.close()
    assert len(checked) >= 4, checked
    logged, summed = np.array(checked).T
    assert np.allclose(logged, summed, rtol=1e-5, atol=1e-4), checked
    return checked


def cheetah():
    return gym.make(ENV_ID, **KWARGS)


@pytest.mark.parametrize("mode", [gym.vector.AutoresetMode.NEXT_STEP,
                                  gym.vector.AutoresetMode.SAME_STEP])
def test_gymnasium_sync_vector_env(mode):
    envs = gym.vector.SyncVectorEnv([cheetah] * 2, autoreset_mode=mode)
    envs = rewardsmith.RewardVectorWrapper(envs, REWARD)
    train_gymnasium(gym.wrappers.vector.RecordEpisodeStatistics(envs))  # outside: designed


def test_gymnasium_async_vector_env_with_spawn():
    envs = gym.vector.AsyncVectorEnv([partial(gym.make, ENV_ID, **KWARGS)] * 2, context="spawn")
    envs = gym.wrappers.vector.RecordEpisodeStatistics(rewardsmith.RewardVectorWrapper(envs,
                                                                                       REWARD))
    train_gymnasium(envs)


def test_gymnasium_async_spawn_with_statistics_inside_the_sub_envs():
    def make():
        return gym.wrappers.RecordEpisodeStatistics(gym.make(ENV_ID, **KWARGS))

    envs = gym.vector.AsyncVectorEnv([make] * 2, context="spawn")
    train_gymnasium(rewardsmith.RewardVectorWrapper(envs, REWARD))


def cleanrl_env(reward: str):
    """CleanRL's ``ppo_continuous_action.make_env`` with the reward right after ``gym.make``."""
    env = gym.make(ENV_ID, **KWARGS)
    env = rewardsmith.RewardWrapper(env, reward)  # here: below everything CleanRL adds
    env = gym.wrappers.FlattenObservation(env)
    env = gym.wrappers.RecordEpisodeStatistics(env)
    env = gym.wrappers.ClipAction(env)
    env = gym.wrappers.NormalizeObservation(env)
    env = gym.wrappers.TransformObservation(env, lambda o: np.clip(o, -10, 10), None)
    env = gym.wrappers.NormalizeReward(env, gamma=0.99)
    return gym.wrappers.TransformReward(env, lambda r: float(np.clip(r, -10, 10)))


def test_cleanrl_style_stack_with_the_reward_right_after_make():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the right placement does not warn
        envs = gym.vector.SyncVectorEnv([partial(cleanrl_env, REWARD)] * 2)
    train_gymnasium(envs)


def test_cleanrl_style_stack_in_spawned_subprocesses():
    envs = gym.vector.AsyncVectorEnv([partial(cleanrl_env, REWARD)] * 2, context="spawn")
    train_gymnasium(envs, steps=1024)


# --- rl-zoo3 ------------------------------------------------------------------------------------
def get_wrapper_class(hyperparams: dict, key: str = "env_wrapper"):
    """rl-zoo3's ``rl_zoo3.utils.get_wrapper_class`` (2.9.2) when installed, else the same:
    each entry ``{dotted.Class: kwargs}`` is imported and applied in order."""
    try:
        from rl_zoo3.utils import get_wrapper_class as zoo

        return zoo(hyperparams, key)
    except ImportError:
        pass
    entries = hyperparams.get(key)
    if entries is None:
        return None
    classes = []
    for entry in entries if isinstance(entries, list) else [entries]:
        name, kwargs = next(iter(entry.items())) if isinstance(entry, dict) else (entry, {})
        module, _, cls = name.rpartition(".")
        classes.append((getattr(importlib.import_module(module), cls), kwargs or {}))

    def wrap(env):
        for cls, kwargs in classes:
            env = cls(env, **kwargs)
        return env

    return wrap


def zoo_envs(hyperparams: dict, n_envs: int = 2, **vec_kwargs):
    """rl-zoo3's ``ExperimentManager.create_envs``: make_vec_env(wrapper_class=env_wrapper),
    then vec_env_wrapper, then VecNormalize."""
    spec = gym.spec(hyperparams.get("env", ENV_ID))
    venv = sb3_make_vec_env(lambda **kw: spec.make(**kw), n_envs=n_envs,
                            env_kwargs=hyperparams.get("env_kwargs", KWARGS),
                            wrapper_class=get_wrapper_class(hyperparams), **vec_kwargs)
    vec_wrapper = get_wrapper_class(hyperparams, "vec_env_wrapper")
    return vec_wrapper(venv) if vec_wrapper else venv


ZOO_ENV_WRAPPER = f"""
{ENV_ID}:
  env_wrapper:
    - rewardsmith.RewardWrapper:
        reward: {REWARD}
"""
ZOO_VEC_ENV_WRAPPER = f"""
{ENV_ID}:
  vec_env_wrapper:
    - rewardsmith.VecRewardWrapper:
        reward: {REWARD}
"""


@pytest.mark.parametrize("config", [ZOO_ENV_WRAPPER, ZOO_VEC_ENV_WRAPPER],
                         ids=["env_wrapper", "vec_env_wrapper"])
def test_rl_zoo3_yaml_names_the_reward_file(config):
    from rewardsmith.rl import placement

    placement._warned.clear()  # it warns once per process: make this test's warning the first
    hyperparams = yaml.safe_load(config)[ENV_ID]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        venv = zoo_envs(hyperparams)
    if "env_wrapper" in hyperparams:  # above rl-zoo3's Monitor: says so, once, with the fix
        assert any("register_env_with_reward" in str(w.message) for w in caught)
    train_sb3(venv)
    # rl-zoo3's EvalCallback (and its choice of best_model.zip) uses SB3's evaluate_policy,
    # which reports Monitor's "r" when there is a Monitor
    eval_env = zoo_envs(hyperparams, n_envs=1)
    model = PPO("MlpPolicy", eval_env, **PPO_KWARGS)
    summed = [0.0]

    def add(local_vars, _):
        summed[-1] += designed(local_vars["info"]["reward_components"])
        if local_vars["done"]:
            summed.append(0.0)

    returns, _ = evaluate_policy(model, eval_env, n_eval_episodes=2, return_episode_rewards=True,
                                 callback=add)
    assert np.allclose(returns, summed[:2], rtol=1e-5, atol=1e-4)


def test_registered_id_has_the_reward_inside_for_zoo_and_spawn():
    rewardsmith.register_env_with_reward("RewardsmithCheetahRun-v0", ENV_ID, REWARD, **KWARGS)
    hyperparams = {"env": "RewardsmithCheetahRun-v0", "env_kwargs": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # below rl-zoo3's Monitor: nothing to warn about
        venv = zoo_envs(hyperparams, vec_env_cls=SubprocVecEnv,
                        vec_env_kwargs={"start_method": "spawn"})
    train_sb3(venv)
