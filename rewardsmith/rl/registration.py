"""Register a gymnasium id whose env has the designed reward inside.

``gym.make(new_id)`` then builds ``RewardWrapper(gym.make(base_id, ...), reward)``: the reward
sits right after the base env, below every wrapper a framework adds, so whatever counts
episode returns on top of it (SB3's and rl-zoo3's ``Monitor``, ``EvalCallback``,
``RecordEpisodeStatistics``) sees the designed reward. No wrapper to place, no glue module: the
id is the whole interface.

The spec's entry point is a module-level function and its kwargs hold the reward program, which
pickles by source, so ``gym.make_vec(..., vectorization_mode="async")``, rl-zoo3's
``spec.make`` factories and any ``spawn``/``forkserver`` subprocess that receives the spec build
the same env without running the registration again.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rewardsmith.rl.reward_program import resolve_reward
from rewardsmith.rl.wrappers import RewardWrapper


def register_env_with_reward(new_id: str, base_id: str, reward: Any, **make_kwargs: Any) -> None:
    """Register ``new_id``: ``base_id`` with its reward replaced by ``reward``.

    Args:
        new_id: the id to register, e.g. ``"HalfCheetahRun-v0"`` (gymnasium's ``Name-vN`` form).
        base_id: a registered id with a rewardsmith description, e.g. ``"HalfCheetah-v5"``.
        reward: a reward file path, source or callable; loaded and checked now.
        **make_kwargs: default kwargs for ``gym.make(base_id, ...)`` (e.g.
            ``max_episode_steps``, ``reset_noise_scale``); ``gym.make(new_id, ...)`` overrides
            them.

    Raises:
        RewardLoadError: ``reward`` is a path that is not a reward program.
        gymnasium.error.NameNotFound: ``base_id`` is not registered.
    """
    from rewardsmith.envs.registry import get_description

    reward_fn = resolve_reward(reward, "register_env_with_reward")
    gym.spec(base_id)  # fails now, naming the id, rather than at the first make
    get_description(base_id)  # and so does an env rewardsmith cannot read the state of
    gym.register(new_id, entry_point=make_env_with_reward, max_episode_steps=None,
                 order_enforce=False, disable_env_checker=True,
                 kwargs={"base_id": base_id, "reward": reward_fn, **make_kwargs})


def make_env_with_reward(base_id: str, reward: Any, **kwargs: Any) -> gym.Env:
    """The entry point of a registered id: ``RewardWrapper(gym.make(base_id, **kwargs), reward)``.

    ``gym.make`` applies ``base_id``'s own time limit and checks inside, so the new spec adds
    none of its own.
    """
    return RewardWrapper(gym.make(base_id, **kwargs), reward)
