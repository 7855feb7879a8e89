"""PPO trained by sbx (Stable-Baselines3's maintained JAX port), kept as an SB3 torch policy.

Why: on a CPU core SB3's PPO update is mostly torch's per-operation overhead on small batches
(HalfCheetah's 80 gradient steps per 2,048 env steps were 56% of a candidate job); sbx compiles
the whole update with XLA and ran the same PPO, the same settings, at 2.1x the env steps per
second here (``benchmarks/bench_time_to_success.py``, README). sbx uses SB3's rollout buffer,
callbacks and ``VecEnv`` stack, so the reward wrapper, the normaliser and the evaluation callback
are unchanged.

Only the training runs in JAX. sbx builds the network SB3's ``MlpPolicy`` builds with separate
policy and value nets (same layers, activation, state-independent log std), so the trained
weights are copied into an SB3 ``PPO`` of the same settings (:func:`to_sb3`) and everything
after training (``policy.zip``, the safe weights, evaluation, video, export, re-evaluation)
reads a torch policy as before. Continuing a training (``init_from``) copies the saved torch
weights back into a new sbx model (:func:`from_sb3`); Adam's moment estimates start afresh there.

Two differences from SB3's PPO that sbx documents: the policy and the value net have their own
Adam optimiser and gradient-norm clip (SB3 clips their joint gradient), and the log std lives in
the policy's parameters. Which envs train this way is chosen by measurement
(:data:`rewardsmith.rl.hyperparams.JAX_PPO_ENVS`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

# One XLA thread: two candidates train side by side on two cores, as torch is held to one thread.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")

_ACTIVATIONS = {"ReLU": "relu", "Tanh": "tanh", "ELU": "elu", "GELU": "gelu", "SiLU": "silu"}
_SUPPORTED = {"net_arch", "activation_fn", "log_std_init", "ortho_init"}


class JaxPPOUnsupported(ValueError):
    """Settings sbx cannot train as SB3 would (the caller trains with SB3 instead)."""


def available() -> bool:
    """Whether sbx and JAX import here."""
    try:
        import sbx  # noqa: F401
    except ImportError:
        return False
    return True


def make_model(venv: Any, params: dict[str, Any], seed: int, tensorboard_log: str | None) -> Any:
    """An sbx PPO on ``venv`` with SB3-style ``params`` (policy_kwargs translated to flax).

    Raises:
        JaxPPOUnsupported: a setting with no sbx counterpart (e.g. gSDE, a custom network).
    """
    from sbx import PPO

    params = dict(params)
    if params.get("use_sde"):
        raise JaxPPOUnsupported("gSDE (use_sde) is not implemented in sbx's PPO")
    params["policy_kwargs"] = _flax_policy_kwargs(params.get("policy_kwargs") or {})
    return PPO("MlpPolicy", venv, seed=seed, verbose=0, tensorboard_log=tensorboard_log,
               **params)


def to_sb3(model: Any, venv: Any, params: dict[str, Any], seed: int) -> Any:
    """An SB3 torch ``PPO`` of the same settings holding ``model``'s trained weights."""
    import torch
    from stable_baselines3 import PPO

    sb3 = PPO("MlpPolicy", venv, seed=seed, verbose=0, device="cpu", **params)
    state = {name: torch.as_tensor(value) for name, value in _torch_state(model).items()}
    sb3.policy.load_state_dict(state, strict=True)
    sb3.num_timesteps = model.num_timesteps
    sb3._total_timesteps = model._total_timesteps
    return sb3


def from_sb3(sb3: Any, model: Any) -> None:
    """Copy an SB3 PPO's weights into an sbx PPO of the same network (continuing a training)."""
    state = {k: v.detach().cpu().numpy() for k, v in sb3.policy.state_dict().items()}
    actor, critic = _unflatten(model.policy.actor_state.params), \
        _unflatten(model.policy.vf_state.params)
    layers = _dense_names(actor)
    for i, name in enumerate(layers[:-1]):
        _set(actor, name, state[f"mlp_extractor.policy_net.{2 * i}.weight"],
             state[f"mlp_extractor.policy_net.{2 * i}.bias"])
    _set(actor, layers[-1], state["action_net.weight"], state["action_net.bias"])
    actor["params"]["log_std"] = state["log_std"]
    layers = _dense_names(critic)
    for i, name in enumerate(layers[:-1]):
        _set(critic, name, state[f"mlp_extractor.value_net.{2 * i}.weight"],
             state[f"mlp_extractor.value_net.{2 * i}.bias"])
    _set(critic, layers[-1], state["value_net.weight"], state["value_net.bias"])
    model.policy.actor_state = model.policy.actor_state.replace(params=_as_jax(actor))
    model.policy.vf_state = model.policy.vf_state.replace(params=_as_jax(critic))
    model.num_timesteps = sb3.num_timesteps


def _flax_policy_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` as sbx takes them: the torch activation class becomes flax's."""
    import flax.linen as fnn

    unknown = set(kwargs) - _SUPPORTED
    if unknown:
        raise JaxPPOUnsupported(f"policy_kwargs {sorted(unknown)} have no sbx counterpart")
    out = dict(kwargs)
    activation = kwargs.get("activation_fn")
    name = getattr(activation, "__name__", None) if activation is not None else "Tanh"
    if name not in _ACTIVATIONS:
        raise JaxPPOUnsupported(f"activation {activation!r} has no flax counterpart here")
    out["activation_fn"] = getattr(fnn, _ACTIVATIONS[name])
    if isinstance(out.get("net_arch"), list):
        out["net_arch"] = {"pi": list(out["net_arch"]), "vf": list(out["net_arch"])}
    return out


def _torch_state(model: Any) -> dict[str, np.ndarray]:
    """The sbx model's weights under SB3 ``ActorCriticPolicy``'s state_dict names."""
    actor = _unflatten(model.policy.actor_state.params)
    critic = _unflatten(model.policy.vf_state.params)
    state: dict[str, np.ndarray] = {}
    layers = _dense_names(actor)
    for i, name in enumerate(layers[:-1]):
        state.update(_linear(actor, name, f"mlp_extractor.policy_net.{2 * i}"))
    state.update(_linear(actor, layers[-1], "action_net"))
    state["log_std"] = np.asarray(actor["params"]["log_std"], dtype=np.float32)
    layers = _dense_names(critic)
    for i, name in enumerate(layers[:-1]):
        state.update(_linear(critic, name, f"mlp_extractor.value_net.{2 * i}"))
    state.update(_linear(critic, layers[-1], "value_net"))
    return state


def _unflatten(params: Any) -> dict[str, Any]:
    """A mutable nested dict of numpy arrays (flax may hand a FrozenDict)."""
    import jax
    from flax.core import unfreeze

    return unfreeze(jax.tree_util.tree_map(np.array, params))


def _as_jax(params: dict[str, Any]) -> Any:
    import jax.numpy as jnp

    return {k: _as_jax(v) if isinstance(v, dict) else jnp.asarray(v) for k, v in params.items()}


def _dense_names(params: dict[str, Any]) -> list[str]:
    """``Dense_0 .. Dense_n`` in layer order (flax numbers them as it builds them)."""
    names = [k for k in params["params"] if k.startswith("Dense_")]
    return sorted(names, key=lambda k: int(k.split("_")[1]))


def _linear(params: dict[str, Any], dense: str, prefix: str) -> dict[str, np.ndarray]:
    layer = params["params"][dense]
    return {f"{prefix}.weight": np.asarray(layer["kernel"], dtype=np.float32).T.copy(),
            f"{prefix}.bias": np.asarray(layer["bias"], dtype=np.float32)}


def _set(params: dict[str, Any], dense: str, weight: np.ndarray, bias: np.ndarray) -> None:
    layer = params["params"][dense]
    if layer["kernel"].shape != weight.T.shape or layer["bias"].shape != bias.shape:
        raise JaxPPOUnsupported(f"{dense}: saved weights {weight.shape} do not fit the network "
                                f"{layer['kernel'].shape[::-1]}")
    layer["kernel"], layer["bias"] = weight.T.copy(), bias.copy()
