"""The one policy loader: a saved training folder (``policy.zip`` + ``vecnormalize.pkl``).

:func:`rewardsmith.rl.training.train` writes both files; the evaluator's ``"reevaluate"`` job
loads them to evaluate the policy (:func:`load_policy`) and a training continued with
``init_from`` loads them to train on (:func:`load_for_training`).

These files are pickles written inside the sandbox by a run of a candidate's reward: an SB3
``policy.zip`` and a ``VecNormalize`` pickle can hold arbitrary objects, so loading one runs
whatever a hostile candidate planted. Load them only inside the sandbox worker (the reeval job
and the train job both run there), never in the main process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.run_dir import POLICY_ZIP, VECNORMALIZE_PKL

POLICY_FILE = POLICY_ZIP
NORMALIZER_FILE = VECNORMALIZE_PKL
ALGOS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "sac": SAC}


def algo_class(algo: str) -> type[BaseAlgorithm]:
    """The SB3 class of ``algo`` (``"ppo"`` or ``"sac"``), with a clear error otherwise."""
    try:
        return ALGOS[algo]
    except KeyError:
        raise ValueError(f"unknown algo {algo!r}; expected one of {', '.join(ALGOS)}") from None


@dataclass
class LoadedPolicy:
    """A saved policy ready to act: the model and the observation statistics it was trained with.

    Attributes:
        model: the SB3 model (on the CPU).
        vec_normalize: the training's ``VecNormalize`` in evaluation mode (statistics frozen), or
            ``None`` when the folder has no ``vecnormalize.pkl``.
    """

    model: BaseAlgorithm
    vec_normalize: VecNormalize | None

    def normalize_obs(self, obs: np.ndarray) -> np.ndarray:
        """``obs`` as the policy saw observations in training (unchanged without statistics)."""
        if self.vec_normalize is None:
            return obs
        return self.vec_normalize.normalize_obs(obs)

    def predict(self, obs: np.ndarray) -> np.ndarray:
        """The deterministic actions for a batch of raw observations (normalised here)."""
        return self.model.predict(self.normalize_obs(obs), deterministic=True)[0]


def load_policy(folder: str | Path, env_id: str, env_kwargs: dict[str, Any] | None = None,
                algo: str = "ppo") -> LoadedPolicy:
    """Load ``folder/policy.zip`` and, when present, ``folder/vecnormalize.pkl`` to act with.

    Only inside the sandbox worker: both files are pickles (see the module docstring).

    Args:
        folder: a training's output folder.
        env_id: gymnasium id of the env the policy acts in (``VecNormalize`` checks that its
            observation space matches).
        env_kwargs: passed to ``gymnasium.make`` for that check.
        algo: ``"ppo"`` or ``"sac"``: how to load the policy.
    """
    folder = Path(folder)
    model = algo_class(algo).load(folder / POLICY_FILE, device="cpu")
    stats = None
    if (folder / NORMALIZER_FILE).exists():
        stats = VecNormalize.load(str(folder / NORMALIZER_FILE),
                                  make_vec_env(env_id, 1, 0, env_kwargs))
        stats.training = False
    return LoadedPolicy(model, stats)


def load_for_training(folder: str | Path, venv: VecEnv,
                      algo: str = "ppo") -> tuple[BaseAlgorithm, VecNormalize]:
    """Load a saved policy and its normaliser bound to ``venv``, to continue training on it.

    Only inside the sandbox worker: both files are pickles (see the module docstring).

    Args:
        folder: the previous training's output folder (it must hold both files).
        venv: the new training's env (the reward wrapper around the vec env); the loaded
            ``VecNormalize`` wraps it and keeps updating its statistics.
        algo: ``"ppo"`` or ``"sac"``.

    Returns:
        The model (its env set to the normaliser) and the normaliser, in training mode.
    """
    folder = Path(folder)
    vec_normalize = VecNormalize.load(str(folder / NORMALIZER_FILE), venv)
    vec_normalize.training = True
    model = algo_class(algo).load(folder / POLICY_FILE, env=vec_normalize, device="cpu")
    return model, vec_normalize
