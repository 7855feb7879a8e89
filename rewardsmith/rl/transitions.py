"""Recorded transitions: raw snapshots of (state, action, next_state) from a real env.

The smoke test calls a candidate reward on these before any training is spent, and
``load_reward(..., env=...)`` uses a few to catch wrong field names early. The registry (and
with it MuJoCo) is imported when first needed, so loading a reward imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rewardsmith.contract.state import State, seal


@dataclass
class Transitions:
    """``N`` transitions of one env, as raw snapshots (see :class:`EnvDescription`)."""

    env_id: str
    states: np.ndarray  # (N, snapshot_size)
    actions: np.ndarray  # (N, act_dim)
    next_states: np.ndarray  # (N, snapshot_size)
    terminated: np.ndarray  # (N,) bool

    def __len__(self) -> int:
        return len(self.actions)

    def as_batch(self, indices: Any = slice(None)) -> tuple[State, np.ndarray, State]:
        """``(state, action, next_state)`` for the chosen rows, ready for ``compute_reward``."""
        from rewardsmith.envs.registry import get_description

        description = get_description(self.env_id)
        return (description.state_from_snapshots(self.states[indices]),
                seal(self.actions[indices]),  # a reward must not change later calls' actions
                description.state_from_snapshots(self.next_states[indices]))

    def save(self, path: Path) -> None:
        """Write to an ``.npz`` file."""
        np.savez_compressed(path, env_id=np.array(self.env_id), states=self.states,
                            actions=self.actions, next_states=self.next_states,
                            terminated=self.terminated)

    @classmethod
    def load(cls, path: Path) -> Transitions:
        """Read an ``.npz`` written by :meth:`save`."""
        with np.load(path) as data:
            return cls(str(data["env_id"]), data["states"], data["actions"],
                       data["next_states"], data["terminated"])


def record_transitions(env_id: str, n_steps: int, seed: int = 0,
                       env_kwargs: dict[str, Any] | None = None,
                       action_scale: float = 1.0) -> Transitions:
    """Run random actions in ``env_id`` and record ``n_steps`` transitions (resetting on ends).

    Args:
        env_id: gymnasium id with a description.
        n_steps: number of transitions.
        seed: seeds the env and the action sampler.
        env_kwargs: passed to ``gymnasium.make``.
        action_scale: scales the uniform random actions (smaller stays nearer the start pose).
    """
    import gymnasium as gym

    from rewardsmith.envs.registry import get_description

    description = get_description(env_id)
    env = gym.make(env_id, **(env_kwargs or {}))
    rng = np.random.default_rng(seed)
    low, high = env.action_space.low, env.action_space.high
    states, actions, next_states, terminated = [], [], [], []
    try:
        env.reset(seed=seed)
        data = env.unwrapped.data
        current = description.snapshot(data)
        for _ in range(n_steps):
            action = np.clip(rng.uniform(low, high) * action_scale, low, high)
            _, _, term, trunc, _ = env.step(action)
            after = description.snapshot(data)
            states.append(current)
            actions.append(action)
            next_states.append(after)
            terminated.append(term)
            if term or trunc:
                env.reset()
                after = description.snapshot(data)
            current = after
    finally:
        env.close()
    return Transitions(env_id, np.stack(states), np.stack(actions).astype(np.float64),
                       np.stack(next_states), np.asarray(terminated, dtype=bool))


def pushed_transitions(env_id: str, n_states: int, seed: int = 0,
                       env_kwargs: dict[str, Any] | None = None,
                       velocity_scale: float = 2.0) -> Transitions | None:
    """One zero-action step from each of ``n_states`` resets whose velocities were pushed.

    Random and motionless episodes of a body that falls at once, or stands, never move at a
    walking pace: a measure of a speed is 0 on all of them although it is not constant. Starts
    with every velocity drawn around the reset's (normal, ``velocity_scale`` per degree of
    freedom: m/s or rad/s) show whether a measure answers to motion at all.

    Returns:
        The transitions, or ``None`` for an env without MuJoCo state to push.
    """
    import gymnasium as gym

    from rewardsmith.envs.registry import get_description

    description = get_description(env_id)
    env = gym.make(env_id, **(env_kwargs or {}))
    try:
        mujoco_env = env.unwrapped
        if not (hasattr(mujoco_env, "data") and hasattr(mujoco_env, "set_state")):
            return None
        rng = np.random.default_rng(seed)
        data = mujoco_env.data
        action = np.clip(np.zeros(env.action_space.shape), env.action_space.low,
                         env.action_space.high)
        states, next_states, terminated = [], [], []
        for i in range(n_states):
            env.reset(seed=seed + i)
            mujoco_env.set_state(data.qpos.copy(),
                                 data.qvel + rng.normal(0.0, velocity_scale, data.qvel.shape))
            states.append(description.snapshot(data))
            _, _, term, _, _ = env.step(action)
            next_states.append(description.snapshot(data))
            terminated.append(term)
    finally:
        env.close()
    return Transitions(env_id, np.stack(states), np.tile(action, (n_states, 1)).astype(np.float64),
                       np.stack(next_states), np.asarray(terminated, dtype=bool))
