"""A trained policy in a form that loads without running code: tensors and plain numbers.

``policy.zip`` and ``vecnormalize.pkl`` (:mod:`rewardsmith.rl.policy`) are pickles: loading one
runs whatever the process that wrote it put there, and for a candidate's reward that process ran
hostile code. So a training also writes (:func:`save_safe_policy`, inside the sandbox):

- ``policy_weights.pt``: the policy network's ``state_dict``, saved with ``torch.save`` (tensors
  only), which :func:`load_safe_policy` reads with ``torch.load(weights_only=True)``: torch's
  restricted unpickler builds tensors and plain containers and refuses everything else;
- ``vecnormalize.json``: the observation statistics (mean, variance, count, clip, epsilon) as
  plain JSON numbers.

Everything else needed to rebuild the policy (the network's layers and activation, the
observation and action spaces) comes from trusted settings in the parent: the env id and the
hyperparameters training used (:func:`rewardsmith.rl.hyperparams.hyperparams`), never from the
files. A file that does not fit that network exactly is refused.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.vec_env import VecNormalize

from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.rl.hyperparams import hyperparams
from rewardsmith.rl.policy import algo_class
from rewardsmith.run_dir import POLICY_WEIGHTS_PT, VECNORMALIZE_JSON
from rewardsmith.safe_files import read_json, write_bytes, write_text

FORMAT = "rewardsmith.vecnormalize/1"
MAX_WEIGHTS_BYTES = 64 << 20  # the largest MLP here (Humanoid, 256x256) is about 2 MB
MAX_UNPACKED_BYTES = 256 << 20  # what the archive's records may add up to once read


class UnsafePolicyError(RewardsmithError):
    """A saved policy that does not load as plain tensors and numbers into the trusted network."""


def save_safe_policy(model: BaseAlgorithm, vec_normalize: VecNormalize | None,
                     folder: str | Path) -> None:
    """Write ``policy_weights.pt`` and ``vecnormalize.json`` for :func:`load_safe_policy`.

    Args:
        model: the trained SB3 model (its policy's ``state_dict`` is saved).
        vec_normalize: the training's normaliser (its observation statistics are saved), or
            None when observations were not normalised.
        folder: the training's output folder.
    """
    folder = Path(folder)
    state = {k: v.detach().cpu().clone() for k, v in model.policy.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes(folder / POLICY_WEIGHTS_PT, buffer.getvalue())
    if vec_normalize is None:
        stats = {"format": FORMAT, "norm_obs": False, "obs_mean": [], "obs_var": [],
                 "count": 0.0, "clip_obs": 0.0, "epsilon": 0.0}
    else:
        rms = vec_normalize.obs_rms
        stats = {"format": FORMAT, "norm_obs": bool(vec_normalize.norm_obs),
                 "obs_mean": [float(x) for x in np.ravel(rms.mean)],
                 "obs_var": [float(x) for x in np.ravel(rms.var)], "count": float(rms.count),
                 "clip_obs": float(vec_normalize.clip_obs),
                 "epsilon": float(vec_normalize.epsilon)}
    write_text(folder / VECNORMALIZE_JSON, json.dumps(stats, indent=1) + "\n")


@dataclass
class SafePolicy:
    """A policy rebuilt from trusted settings with loaded weights, ready to act.

    Attributes:
        policy: the SB3 policy network (on the CPU, in evaluation mode).
        obs_mean: the training's observation mean (None: observations are used raw).
        obs_var: the training's observation variance.
        clip_obs: normalised observations are clipped to ``[-clip_obs, clip_obs]``.
        epsilon: added to the variance before the square root.
    """

    policy: BasePolicy
    obs_mean: np.ndarray | None = None
    obs_var: np.ndarray | None = None
    clip_obs: float = 10.0
    epsilon: float = 1e-8

    def normalize_obs(self, obs: np.ndarray) -> np.ndarray:
        """``obs`` as the policy saw observations in training (``VecNormalize.normalize_obs``)."""
        if self.obs_mean is None:
            return obs
        return np.clip((obs - self.obs_mean) / np.sqrt(self.obs_var + self.epsilon),
                       -self.clip_obs, self.clip_obs).astype(np.float32)

    def predict(self, obs: np.ndarray) -> np.ndarray:
        """The deterministic actions for a batch of raw observations (normalised here)."""
        return self.policy.predict(self.normalize_obs(obs), deterministic=True)[0]


def load_safe_policy(folder: str | Path, env_id: str, env_kwargs: dict[str, Any] | None = None,
                     algo: str = "ppo", algo_kwargs: dict[str, Any] | None = None) -> SafePolicy:
    """Rebuild the policy a training used from trusted settings and load its saved weights.

    Safe in the main process: no file is unpickled beyond torch's tensors-only loader, and the
    network, its spaces and its settings come from ``env_id`` and the hyperparameters, not from
    the folder.

    Args:
        folder: a folder with ``policy_weights.pt`` and ``vecnormalize.json`` (a training's
            output folder, a candidate's folder, ``best/``).
        env_id: the env the policy was trained on (gives the observation and action spaces).
        env_kwargs: passed to ``gymnasium.make`` (only the spaces are read).
        algo: ``"ppo"`` or ``"sac"``.
        algo_kwargs: the training's overrides of the tuned hyperparameters, if it had any
            (``policy_kwargs`` there changes the network).

    Raises:
        UnsafePolicyError: a file is missing, not what ``save_safe_policy`` writes, or does
            not fit the network these settings build; nothing of it was executed.
    """
    folder = Path(folder)
    policy = build_policy(env_id, env_kwargs, algo, algo_kwargs)
    state = _load_weights(folder / POLICY_WEIGHTS_PT)
    _check_fits(state, policy.state_dict(), folder / POLICY_WEIGHTS_PT)
    policy.load_state_dict(state, strict=True)
    policy.set_training_mode(False)
    obs_dim = int(np.prod(policy.observation_space.shape))
    return SafePolicy(policy, **_load_stats(folder / VECNORMALIZE_JSON, obs_dim))


def build_policy(env_id: str, env_kwargs: dict[str, Any] | None = None, algo: str = "ppo",
                 algo_kwargs: dict[str, Any] | None = None) -> BasePolicy:
    """The policy network ``algo`` builds for ``env_id`` in training, with fresh weights."""
    params = hyperparams(algo, env_id, algo_kwargs)
    env = gym.make(env_id, **(env_kwargs or {}))
    try:
        obs_space, action_space = env.observation_space, env.action_space
    finally:
        env.close()
    policy_class = algo_class(algo).policy_aliases["MlpPolicy"]
    kwargs = dict(params.get("policy_kwargs") or {})
    kwargs.setdefault("use_sde", bool(params.get("use_sde", False)))
    schedule: Callable[[float], float] = _no_learning
    return policy_class(obs_space, action_space, schedule, **kwargs).to("cpu")


def _no_learning(_progress: float) -> float:
    return 0.0


def _load_weights(path: Path) -> dict[str, torch.Tensor]:
    data = _read_regular(path, MAX_WEIGHTS_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            records = archive.infolist()
    except zipfile.BadZipFile:
        raise UnsafePolicyError(f"{path} is not a torch.save archive (a zip file); it was not "
                                f"loaded: retrain to write it again") from None
    if any(r.compress_type != zipfile.ZIP_STORED for r in records) or \
            sum(r.file_size for r in records) > MAX_UNPACKED_BYTES:
        raise UnsafePolicyError(f"{path} holds compressed or oversized records, which "
                                f"torch.save never writes; it was not loaded")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001  (whatever the restricted unpickler says, refuse)
        reason = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
        raise UnsafePolicyError(f"{path} is not a tensors-only state dict: torch's weights-only "
                                f"loader refused it ({reason}); nothing in it was run. It was "
                                f"written by untrusted code: retrain, or delete it") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise UnsafePolicyError(f"{path} holds a {type(state).__name__}, expected a dict of "
                                f"named tensors (a policy's state_dict)")
    return state


def _check_fits(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor],
                path: Path) -> None:
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise UnsafePolicyError(f"{path} does not fit the network these settings build: "
                                f"missing {missing[:3]}, unexpected {extra[:3]}; load it with "
                                f"the env id, algo and algo_kwargs the training used")
    for name, tensor in expected.items():
        got = state[name]
        if got.shape != tensor.shape or not got.dtype.is_floating_point:
            raise UnsafePolicyError(f"{path}: {name} is a {got.dtype} tensor of shape "
                                    f"{tuple(got.shape)}, expected {tensor.dtype} of shape "
                                    f"{tuple(tensor.shape)}; load it with the env id, algo and "
                                    f"algo_kwargs the training used")


def _load_stats(path: Path, obs_dim: int) -> dict[str, Any]:
    try:
        stats = read_json(path)
    except CorruptRunFile as e:
        raise UnsafePolicyError(str(e)) from None
    if stats is None:
        raise UnsafePolicyError(f"{path} is missing: the policy's observation statistics are "
                                f"needed to act as it did in training")

    def bad(what: str) -> UnsafePolicyError:
        return UnsafePolicyError(f"{path}: {what}; it is not what save_safe_policy writes")

    if not isinstance(stats, dict) or stats.get("format") != FORMAT:
        raise bad(f"expected a JSON object with \"format\": \"{FORMAT}\"")
    if stats.get("norm_obs") is False:
        return {}
    out: dict[str, Any] = {}
    for key in ("obs_mean", "obs_var"):
        values = stats.get(key)
        if not isinstance(values, list) or len(values) != obs_dim or not all(
                _finite(v) for v in values):
            raise bad(f"{key} must be a list of {obs_dim} finite numbers (the env's "
                      f"observation size)")
        out[key] = np.asarray(values, dtype=np.float64)
    if (out["obs_var"] < 0).any():
        raise bad("obs_var has negative entries")
    for key in ("clip_obs", "epsilon"):
        if not _finite(stats.get(key)) or stats[key] <= 0:
            raise bad(f"{key} must be a positive finite number")
        out[key] = float(stats[key])
    return out


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(value)


def _read_regular(path: Path, max_bytes: int) -> bytes:
    """The file's bytes: a regular file (no symlink, no FIFO) of at most ``max_bytes``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnsafePolicyError(f"{path} is missing: the training writes it next to the "
                                f"policy (retrain with this version of rewardsmith)") from None
    except OSError as e:
        raise UnsafePolicyError(f"{path} cannot be opened ({e.strerror}); a symbolic link is "
                                f"never followed") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePolicyError(f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise UnsafePolicyError(f"{path} is {info.st_size:,} bytes, more than the "
                                    f"{max_bytes:,} a policy may have")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafePolicyError(f"{path} grew past the {max_bytes:,} bytes a policy may have")
    return data
