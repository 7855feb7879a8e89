"""Replace an SB3 ``VecEnv``'s reward with a reward program: one batched call per step.

Works over the ``VecEnv`` a user already has: ``DummyVecEnv`` or ``SubprocVecEnv`` (any start
method), from SB3's or rl-zoo3's ``make_vec_env`` or built by hand. Sub-envs that do not capture
the state yet get the capture installed (:func:`rewardsmith.rl.capture.install_capture`); the
snapshot pair of each step then comes back in the step's own ``info``. The sub-envs of SB3's
``make_vec_env`` carry a ``Monitor``: its ``info["episode"]["r"]`` is set to the designed return
(the env's kept as ``"original_r"``), so ``ep_rew_mean``, ``EvalCallback`` and rl-zoo3's choice of
``best_model.zip`` follow the designed reward. A ``VecMonitor`` outside this wrapper counts the
designed reward by itself; ``VecNormalize`` goes outside too (it warns when it is below).

This module imports SB3; :mod:`rewardsmith.rl.wrappers` does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.contract.state import seal
from rewardsmith.envs.descriptions import EnvDescription
from rewardsmith.envs.registry import get_description
from rewardsmith.rl.capture import TRANSITION_KEY, VectorCalls, install_capture, wrapper_kind
from rewardsmith.rl.episode_stats import ComponentLog, set_designed_episode_return
from rewardsmith.rl.placement import check_placement
from rewardsmith.rl.reward_program import resolve_reward

SUB_ENV_FIX = ("Move that wrapper out of the sub-envs, outside VecRewardWrapper (VecNormalize("
               "VecRewardWrapper(venv, reward)) for reward normalisation), or put "
               "rewardsmith.RewardWrapper right after gym.make in each sub-env instead.")
VEC_FIX = ("Wrap the other way round: VecNormalize(VecMonitor(VecRewardWrapper(venv, reward))), "
           "the reward wrapper first.")


class VecRewardWrapper(VecEnvWrapper):
    """Replace an SB3 ``VecEnv``'s reward with a reward program: one batched call per step.

    Optionally scores a task's fitness on the same transitions: ``info["episode_fitness"]``
    is set when an episode ends (sum of the per-step fitness over ``horizon``). The fitness is
    computed before the reward is called, on states and actions the reward never receives (see
    :mod:`rewardsmith.rl.wrappers`), so no write by the reward can reach it.

    Args:
        venv: the vectorised env (sub-envs need not be wrapped in ``CaptureState``).
        reward: a reward file path, reward source, or a callable (see
            :class:`rewardsmith.RewardWrapper`).
        fitness_fn: optional task fitness ``(state, action, next_state) -> (B,)``.
        horizon: episode horizon for the fitness average.
    """

    def __init__(self, venv: VecEnv, reward: Any, fitness_fn: Any = None,
                 horizon: int | None = None):
        reward_fn = resolve_reward(reward, "VecRewardWrapper")
        super().__init__(venv)
        info = install_capture(_sb3_calls(venv), "VecRewardWrapper")
        self.description: EnvDescription = get_description(info["env_id"])
        check_placement("VecRewardWrapper", _vec_chain(venv), VEC_FIX)
        check_placement("VecRewardWrapper", info["chain"], SUB_ENV_FIX,
                        ignore=("episode statistics",))  # their "r" is corrected below
        self.reward_fn = reward_fn
        self.fitness_fn = fitness_fn
        self.horizon = horizon or self.description.horizon
        self._actions: np.ndarray | None = None
        self._fitness_sum = np.zeros(self.num_envs)
        self._episode_return = np.zeros(self.num_envs)
        self.component_log = ComponentLog()

    def reset(self):
        self._fitness_sum[:] = 0.0
        self._episode_return[:] = 0.0
        return self.venv.reset()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        self.venv.step_async(actions)

    def step_wait(self):
        obs, rewards, dones, infos = self.venv.step_wait()
        pairs = np.stack([info.pop(TRANSITION_KEY) for info in infos])
        describe = self.description.state_from_snapshots  # each call: a sealed copy of its own
        if self.fitness_fn is not None:  # first, and on states the reward never sees
            self._fitness_sum += np.array(
                self.fitness_fn(describe(pairs[:, 0]), seal(self._actions),
                                describe(pairs[:, 1])), dtype=np.float64)
        total, components = validate_reward_output(
            self.reward_fn(describe(pairs[:, 0]), seal(self._actions), describe(pairs[:, 1])),
            self.num_envs)
        self.component_log.add(components, dones)
        self._episode_return += total
        for i, info in enumerate(infos):
            info["original_env_rew"] = float(rewards[i])
            info["designed_rew"] = float(total[i])
            info["reward_components"] = {name: float(v[i]) for name, v in components.items()}
            if dones[i]:
                set_designed_episode_return(info, float(self._episode_return[i]))
                self._episode_return[i] = 0.0
                if self.fitness_fn is not None:
                    info["episode_fitness"] = float(self._fitness_sum[i] / self.horizon)
                    self._fitness_sum[i] = 0.0
        return obs, total.astype(np.float32), dones, infos


def _sb3_calls(venv: VecEnv) -> VectorCalls:
    return VectorCalls(
        call=lambda name, *args: venv.env_method(name, *args),
        set_classes=lambda classes: [venv.set_attr("__class__", cls, indices=[i])
                                     for i, cls in enumerate(classes)])


def _vec_chain(venv: VecEnv) -> list[tuple[str, str | None]]:
    """``(class name, kind)`` of the ``VecEnvWrapper`` stack under the reward wrapper."""
    chain = []
    while isinstance(venv, VecEnvWrapper):
        chain.append((type(venv).__name__, wrapper_kind(venv)))
        venv = venv.venv
    return chain
