"""PPO trained by sbx (JAX) and kept as SB3's torch policy: the copy is exact, and every file a
training writes reads back as it does after an SB3 training (safe weights, continuation)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn as nn

from rewardsmith.errors import RewardsmithError
from rewardsmith.rl import jax_ppo
from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.rl.safe_policy import load_safe_policy
from rewardsmith.rl.training import train

pytest.importorskip("sbx", reason="sbx (JAX) is an optional trainer: pip install sbx-rl")

CHEETAH = "HalfCheetah-v5"
SMALL = {"n_steps": 64, "batch_size": 64, "n_epochs": 2,
         "policy_kwargs": {"log_std_init": -2, "ortho_init": False, "activation_fn": nn.ReLU,
                           "net_arch": {"pi": [32, 32], "vf": [16, 16]}}}


def _observations() -> np.ndarray:
    return np.random.default_rng(0).normal(scale=3.0, size=(500, 17)).astype(np.float32)


def test_the_sb3_copy_of_an_sbx_policy_acts_and_values_as_the_sbx_one():
    venv = make_vec_env(CHEETAH, 2, seed=0)
    model = jax_ppo.make_model(venv, SMALL, seed=0, tensorboard_log=None)
    model.learn(256)  # trained weights, not the initial ones
    copy = jax_ppo.to_sb3(model, venv, SMALL, seed=0)
    obs = _observations()
    ours, theirs = model.predict(obs, deterministic=True)[0], copy.predict(obs, deterministic=True)[0]
    assert np.max(np.abs(ours - theirs)) < 1e-5
    values = np.asarray(model.policy.vf_state.apply_fn(model.policy.vf_state.params, obs)).ravel()
    sb3_values = copy.policy.predict_values(torch.as_tensor(obs)).detach().numpy().ravel()
    assert np.max(np.abs(values - sb3_values)) < 1e-4
    log_std = np.asarray(model.policy.actor_state.params["params"]["log_std"])
    np.testing.assert_allclose(copy.policy.log_std.detach().numpy(), log_std)
    assert copy.num_timesteps == model.num_timesteps == 256

    fresh = jax_ppo.make_model(venv, SMALL, seed=1, tensorboard_log=None)
    jax_ppo.from_sb3(copy, fresh)  # continuing a training: torch weights back into JAX
    assert np.max(np.abs(fresh.predict(obs, deterministic=True)[0] - ours)) < 1e-5
    fresh.learn(128, reset_num_timesteps=False)
    assert fresh.num_timesteps == 384
    venv.close()


def test_settings_sbx_cannot_take_are_refused_by_name():
    venv = make_vec_env(CHEETAH, 1, seed=0)
    with pytest.raises(jax_ppo.JaxPPOUnsupported, match="share_features_extractor"):
        jax_ppo.make_model(venv, {"policy_kwargs": {"share_features_extractor": False}}, 0, None)
    with pytest.raises(jax_ppo.JaxPPOUnsupported, match="gSDE"):
        jax_ppo.make_model(venv, {"use_sde": True}, 0, None)
    venv.close()


def test_an_sbx_training_writes_the_files_an_sb3_training_writes(tmp_path):
    first = train(task="cheetah-run", steps=2048, out=tmp_path / "a", video=False,
                  eval_every=2048, trainer="sbx", n_envs=2)
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["trainer"] == "sbx" and "trainer_note" not in metrics
    assert metrics["steps"] >= 2048 and metrics["final"]["fitness_mean"] is not None
    # What the main process loads: tensors and JSON, rebuilt into the trusted torch network.
    safe = load_safe_policy(tmp_path / "a", CHEETAH)
    assert safe.predict(_observations()).shape == (500, 6)
    # Continuing (a halving rung): the saved torch policy goes back into sbx and trains on.
    second = train(task="cheetah-run", steps=4096, out=tmp_path / "b", video=False,
                   eval_every=2048, trainer="sbx", n_envs=2, init_from=tmp_path / "a")
    assert second.metrics["trainer"] == "sbx" and second.metrics["steps"] >= 4096
    assert second.metrics["evals"][0]["steps"] > first.metrics["steps"]


def test_sbx_falls_back_to_sb3_and_says_why(tmp_path):
    result = train(task="pendulum-balance", algo="sac", steps=300, out=tmp_path / "sac",
                   video=False, eval_every=300, trainer="sbx",
                   algo_kwargs={"learning_starts": 100})
    assert result.metrics["trainer"] == "sb3"
    assert "PPO only" in result.metrics["trainer_note"]
    with pytest.raises(RewardsmithError, match="unknown trainer"):
        train(task="pendulum-balance", steps=64, out=tmp_path / "x", trainer="tensorflow")
