"""Replace an env's reward with a reward program (gymnasium and SB3), keeping the original.

``CaptureState`` sits on each env and records raw snapshots before and after every step, so the
reward sees the true terminal state even when a vectorised env auto-resets. ``RewardWrapper``
(one gymnasium env, ``B = 1``) and ``VecRewardWrapper`` (an SB3 ``VecEnv``, one batched call per
step) then compute the reward, put the env's own reward in ``info["original_env_rew"]`` and the
components in ``info["reward_components"]``, like imitation's ``RewardVecEnvWrapper``.

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
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper

from rewardsmith.contract.reward import RewardFn, validate_reward_output
from rewardsmith.contract.state import seal
from rewardsmith.envs.descriptions import EnvDescription

TRANSITION_KEY = "rewardsmith_transition"


def _find_description(env: gym.Env) -> EnvDescription:
    from rewardsmith.envs.registry import get_description

    return get_description(env.unwrapped.spec.id if env.unwrapped.spec else env.spec.id)


class CaptureState(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Put the raw snapshots of the state before and after each step in ``info``.

    Args:
        env: a MuJoCo env with a description (see ``rewardsmith envs``).
        description: its :class:`EnvDescription`; looked up from the env id when omitted.
    """

    def __init__(self, env: gym.Env, description: EnvDescription | None = None):
        gym.utils.RecordConstructorArgs.__init__(self, description=description)
        super().__init__(env)
        self.state_description = description or _find_description(env)
        self._data = env.unwrapped.data
        self._last: np.ndarray | None = None

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self._data = self.env.unwrapped.data
        self._last = self.state_description.snapshot(self._data)
        return obs, info

    def step(self, action: Any):
        if self._last is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        obs, reward, terminated, truncated, info = self.env.step(action)
        after = self.state_description.snapshot(self._data)
        info[TRANSITION_KEY] = (self._last, after)
        self._last = after
        return obs, reward, terminated, truncated, info


class RewardWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Replace a gymnasium env's reward with ``reward_fn`` (called with a batch of one).

    Args:
        env: the env; wrapped in :class:`CaptureState` here if it is not already.
        reward_fn: a reward program (see :func:`rewardsmith.load_reward`).
    """

    def __init__(self, env: gym.Env, reward_fn: RewardFn):
        gym.utils.RecordConstructorArgs.__init__(self, reward_fn=reward_fn)
        if not _has_capture(env):
            env = CaptureState(env)
        super().__init__(env)
        self.reward_fn = reward_fn
        self._description = env.get_wrapper_attr("state_description")

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        before, after = info[TRANSITION_KEY]
        state = self._description.state_from_snapshots(before[None])  # sealed copies
        next_state = self._description.state_from_snapshots(after[None])
        act = seal(np.asarray(action, dtype=np.float64).reshape(1, -1))  # never the caller's
        total, components = validate_reward_output(self.reward_fn(state, act, next_state), 1)
        info["original_env_rew"] = float(reward)
        info["reward_components"] = {name: float(v[0]) for name, v in components.items()}
        return obs, float(total[0]), terminated, truncated, info


def _has_capture(env: gym.Env) -> bool:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, CaptureState):
            return True
        env = env.env
    return False


class VecRewardWrapper(VecEnvWrapper):
    """Replace an SB3 ``VecEnv``'s reward with ``reward_fn``: one batched call per step.

    Each sub-env must be wrapped in :class:`CaptureState` (``rewardsmith.make_vec_env`` does
    it). Optionally scores a task's fitness on the same transitions: ``info["episode_fitness"]``
    is set when an episode ends (sum of the per-step fitness over ``horizon``). The fitness is
    computed before the reward is called, on states and actions the reward never receives (see
    the module docstring), so no write by the reward can reach it.

    Args:
        venv: the vectorised env.
        reward_fn: a reward program.
        fitness_fn: optional task fitness ``(state, action, next_state) -> (B,)``.
        horizon: episode horizon for the fitness average.
    """

    def __init__(self, venv: VecEnv, reward_fn: RewardFn, fitness_fn: Any = None,
                 horizon: int | None = None):
        super().__init__(venv)
        try:
            self.description: EnvDescription = venv.get_attr("state_description", [0])[0]
        except AttributeError:
            raise TypeError(
                "VecRewardWrapper needs every sub-env wrapped in rewardsmith.CaptureState; "
                "build the VecEnv with rewardsmith.make_vec_env(...) or wrap each env yourself"
            ) from None
        self.reward_fn = reward_fn
        self.fitness_fn = fitness_fn
        self.horizon = horizon or self.description.horizon
        self._actions: np.ndarray | None = None
        self._fitness_sum = np.zeros(self.num_envs)
        self.component_log = ComponentLog()

    def reset(self):
        self._fitness_sum[:] = 0.0
        return self.venv.reset()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        self.venv.step_async(actions)

    def step_wait(self):
        obs, rewards, dones, infos = self.venv.step_wait()
        before = np.stack([info[TRANSITION_KEY][0] for info in infos])
        after = np.stack([info[TRANSITION_KEY][1] for info in infos])
        describe = self.description.state_from_snapshots  # each call: a sealed copy of its own
        if self.fitness_fn is not None:  # first, and on states the reward never sees
            self._fitness_sum += np.array(
                self.fitness_fn(describe(before), seal(self._actions), describe(after)),
                dtype=np.float64)
        total, components = validate_reward_output(
            self.reward_fn(describe(before), seal(self._actions), describe(after)),
            self.num_envs)
        self.component_log.add(components, dones)
        for i, info in enumerate(infos):
            del info[TRANSITION_KEY]
            info["original_env_rew"] = float(rewards[i])
            info["reward_components"] = {name: float(v[i]) for name, v in components.items()}
            if dones[i] and self.fitness_fn is not None:
                info["episode_fitness"] = float(self._fitness_sum[i] / self.horizon)
                self._fitness_sum[i] = 0.0
        return obs, total.astype(np.float32), dones, infos


class ComponentLog:
    """Running statistics of each reward component over steps and over finished episodes.

    Eureka-style reflection reports, per component, how it moves over training: here the
    per-step mean/min/max since the last :meth:`pop`, and the mean per-episode sum.
    """

    def __init__(self) -> None:
        self._reset()
        self._episode: dict[str, np.ndarray] = {}

    def _reset(self) -> None:
        self._sum: dict[str, float] = {}
        self._min: dict[str, float] = {}
        self._max: dict[str, float] = {}
        self._count = 0
        self._episode_sums: dict[str, list[float]] = {}

    def add(self, components: dict[str, np.ndarray], dones: np.ndarray) -> None:
        """Record one vectorised step."""
        self._count += len(dones)
        for name, values in components.items():
            self._sum[name] = self._sum.get(name, 0.0) + float(values.sum())
            self._min[name] = min(self._min.get(name, np.inf), float(values.min()))
            self._max[name] = max(self._max.get(name, -np.inf), float(values.max()))
            running = self._episode.setdefault(name, np.zeros(len(dones)))
            running += values
            if dones.any():
                self._episode_sums.setdefault(name, []).extend(running[dones].tolist())
                running[dones] = 0.0

    def pop(self) -> dict[str, dict[str, float]]:
        """Statistics since the last call, then start afresh."""
        stats = {}
        for name in self._sum:
            episodes = self._episode_sums.get(name, [])
            stats[name] = {
                "mean": self._sum[name] / max(self._count, 1),
                "min": self._min[name], "max": self._max[name],
                "episode_sum": float(np.mean(episodes)) if episodes else None,
            }
        self._reset()
        return stats
