"""Per-env SB3 hyperparameters in the rl-zoo3 style (its tuned values for the v3/v4 MuJoCo ids,
which carry over to v5), with n_envs=4 rollouts, the fastest layout on 2 cores (measured)."""

from __future__ import annotations

from typing import Any

import torch.nn as nn

_PPO_TUNED_NET = {"log_std_init": -2, "ortho_init": False, "activation_fn": nn.ReLU,
                  "net_arch": {"pi": [256, 256], "vf": [256, 256]}}

_PPO: dict[str, dict[str, Any]] = {
    "HalfCheetah-v5": dict(n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-05,
                           ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92,
                           max_grad_norm=0.8, vf_coef=0.58096, policy_kwargs=_PPO_TUNED_NET),
    "Hopper-v5": dict(n_steps=512, batch_size=32, gamma=0.999, learning_rate=9.80828e-05,
                      ent_coef=0.00229519, clip_range=0.2, n_epochs=5, gae_lambda=0.99,
                      max_grad_norm=0.7, vf_coef=0.835671, policy_kwargs=_PPO_TUNED_NET),
    "Walker2d-v5": dict(n_steps=512, batch_size=32, gamma=0.99, learning_rate=5.05041e-05,
                        ent_coef=0.000585045, clip_range=0.1, n_epochs=20, gae_lambda=0.95,
                        max_grad_norm=1.0, vf_coef=0.871923, policy_kwargs=_PPO_TUNED_NET),
    "InvertedPendulum-v5": dict(n_steps=256, batch_size=64, gamma=0.99, learning_rate=3e-4,
                                n_epochs=10, gae_lambda=0.95),
}

_SAC: dict[str, dict[str, Any]] = {
    "default": dict(learning_starts=10_000, batch_size=256, learning_rate=3e-4),
}

# VecNormalize settings: rl-zoo3 normalises observations and rewards for all of these envs.
NORMALIZE = {"norm_obs": True, "norm_reward": True, "clip_obs": 10.0}


def hyperparams(algo: str, env_id: str) -> dict[str, Any]:
    """Constructor kwargs for ``algo`` on ``env_id`` (SB3 defaults where nothing is tuned)."""
    table = {"ppo": _PPO, "sac": _SAC}.get(algo)
    if table is None:
        raise ValueError(f"unknown algorithm {algo!r}; expected 'ppo' or 'sac'")
    params = dict(table.get(env_id, table.get("default", {})))
    if "policy_kwargs" in params:
        params["policy_kwargs"] = dict(params["policy_kwargs"])
    return params
