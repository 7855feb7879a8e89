"""Replace a gymnasium env's reward with a reward program, keeping the original.

:class:`RewardWrapper` (one env, ``B = 1``) computes the reward from the state snapshots that
:class:`~rewardsmith.rl.capture.CaptureState` records, puts the env's own reward in
``info["original_env_rew"]`` and the components in ``info["reward_components"]``, like
imitation's ``RewardVecEnvWrapper``. The vector versions live next door:
:class:`~rewardsmith.rl.vector.RewardVectorWrapper` (gymnasium ``VectorEnv``) and
:class:`~rewardsmith.rl.vec_wrapper.VecRewardWrapper` (SB3 ``VecEnv``), each one batched call
per step. ``info["designed_rew"]`` repeats the designed reward, so loggers read it even where a
wrapper on top normalises the reward (see :mod:`rewardsmith.rl.episode_stats`). This module
imports numpy and gymnasium only (no torch, no SB3): ``VecRewardWrapper``
is still importable from here, loaded on first use.

Where it goes: right after ``gym.make``, below every wrapper that changes actions, rewards or
counts episode returns (it warns once, with the fix, when it is not; see
:mod:`rewardsmith.rl.placement`). When such a wrapper is below anyway, the episode return in
``info["episode"]["r"]`` is set to the designed return, the env's kept as ``"original_r"``.

The reward cannot change what the wrappers report. It receives states and an action that are
its own sealed copies (read-only for good: see :mod:`rewardsmith.contract.state`), and the task
fitness is computed *before* the reward runs, from another pair of states and another copy of
the action that the reward never receives; the env's reward and the infos are never passed to
it. A reward that writes in place (``x *= -1``, ``np.copyto``, ``out=``, ``setflags``,
``as_strided``, a mapping entry, an attribute of the state) gets a ``ValueError``,
``TypeError`` or ``AttributeError``; one that gets past numpy (``np.add.at`` on a 1-D array,
which numpy 2.4 writes without checking the flag, or an alias built with
``__array_interface__``) changes only its own copy (``tests/rl/test_state_integrity.py``).
Cost: about 19 us per step of 4 HalfCheetah envs (two more states, the fields the fitness
reads computed twice, three small copies), about 0.5% of PPO's time per step.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.contract.state import seal
from rewardsmith.rl.capture import TRANSITION_KEY, CaptureState, wrapper_chain
from rewardsmith.rl.episode_stats import ComponentLog, set_designed_episode_return
from rewardsmith.rl.placement import check_placement
from rewardsmith.rl.reward_program import resolve_reward

__all__ = ["TRANSITION_KEY", "CaptureState", "ComponentLog", "RewardWrapper",
           "set_designed_episode_return"]  # and VecRewardWrapper, loaded on first use (below)

PLACEMENT_FIX = ("Put RewardWrapper right after gym.make(...), before every other wrapper, or "
                 "register an id with the reward inside: rewardsmith.register_env_with_reward().")


class RewardWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Replace a gymnasium env's reward with a reward program (called with a batch of one).

    Args:
        env: the env, straight from ``gym.make``; wrapped in :class:`CaptureState` here if it
            is not already.
        reward: a reward file path, reward source, or a callable
            ``compute_reward(state, action, next_state)`` (see :func:`rewardsmith.load_reward`).
            A path lets a config file name it, e.g. rl-zoo3's
            ``env_wrapper: [{rewardsmith.RewardWrapper: {reward: reward.py}}]``.

    Raises:
        RewardLoadError: ``reward`` is a path that is not a reward program.
        TypeError: ``reward`` is neither a path nor a callable of three arguments.
    """

    def __init__(self, env: gym.Env, reward: Any):
        reward_fn = resolve_reward(reward, "RewardWrapper")
        gym.utils.RecordConstructorArgs.__init__(self, reward=reward)
        check_placement("RewardWrapper", wrapper_chain(env), PLACEMENT_FIX)
        if not env.has_wrapper_attr("state_description"):
            env = CaptureState(env)
        super().__init__(env)
        self.reward_fn = reward_fn
        self._description = env.get_wrapper_attr("state_description")
        self._episode_return = 0.0

    def reset(self, **kwargs: Any):
        self._episode_return = 0.0
        return self.env.reset(**kwargs)

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        before, after = info.pop(TRANSITION_KEY)
        state = self._description.state_from_snapshots(before[None])  # sealed copies
        next_state = self._description.state_from_snapshots(after[None])
        act = seal(np.asarray(action, dtype=np.float64).reshape(1, -1))  # never the caller's
        total, components = validate_reward_output(self.reward_fn(state, act, next_state), 1)
        designed = float(total[0])
        self._episode_return += designed
        info["original_env_rew"] = float(reward)
        info["designed_rew"] = designed
        info["reward_components"] = {name: float(v[0]) for name, v in components.items()}
        set_designed_episode_return(info, self._episode_return)
        return obs, designed, terminated, truncated, info


def __getattr__(name: str) -> Any:
    # VecRewardWrapper subclasses SB3's VecEnvWrapper, so SB3 (and torch) load only when it is
    # asked for; it was defined here before, and code still imports it from here.
    if name == "VecRewardWrapper":
        from rewardsmith.rl.vec_wrapper import VecRewardWrapper

        return VecRewardWrapper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
