"""Replace a gymnasium ``VectorEnv``'s reward with a reward program: one batched call per step.

:class:`RewardVectorWrapper` is a ``gymnasium.vector.VectorWrapper`` for ``SyncVectorEnv`` and
``AsyncVectorEnv`` (any start method) or anything wrapping them. Each sub-env puts the snapshot
pair of its step in ``info`` (capture installed here when it is not there yet; see
:mod:`rewardsmith.rl.capture`), and the reward runs once over the sub-envs that stepped.

Autoreset, both modes gymnasium 1.x has:

* ``NEXT_STEP`` (the default): the step after an episode ends only resets that sub-env; it
  returns reward 0 and no transition. Its reward stays 0 and it is left out of the batch, so the
  reward never runs on a made-up transition.
* ``SAME_STEP``: the ending step's info (with its transition) is in ``info["final_info"]``.

``info["reward_components"]`` holds one array per component (0 where a sub-env did not step),
with gymnasium's mask ``info["_reward_components"]``; ``info["designed_rew"]`` the designed
rewards and ``info["original_env_rew"]`` the env's. A ``RecordEpisodeStatistics`` inside the
sub-envs (or below this wrapper) gets its ``info["episode"]["r"]`` set to the designed return;
one outside counts it by itself. Imports numpy and gymnasium only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from rewardsmith.contract.reward import validate_reward_output
from rewardsmith.contract.state import seal
from rewardsmith.rl.capture import TRANSITION_KEY, VectorCalls, install_capture, wrapper_chain
from rewardsmith.rl.episode_stats import set_designed_episode_return
from rewardsmith.rl.placement import check_placement
from rewardsmith.rl.reward_program import resolve_reward

SUB_ENV_FIX = ("Move that wrapper out of the sub-envs, outside RewardVectorWrapper (its "
               "gymnasium.wrappers.vector version), or put rewardsmith.RewardWrapper right after "
               "gym.make in each sub-env instead.")
VECTOR_FIX = ("Wrap RewardVectorWrapper around the vector env first, the other vector wrappers "
              "around it.")


class RewardVectorWrapper(VectorWrapper):
    """Replace a gymnasium vector env's reward with a reward program (one batched call a step).

    Args:
        env: a ``gymnasium.vector.VectorEnv`` of MuJoCo envs with a description; sub-envs need
            not be wrapped in ``CaptureState``.
        reward: a reward file path, reward source, or a callable (see
            :class:`rewardsmith.RewardWrapper`).
    """

    def __init__(self, env: VectorEnv, reward: Any):
        reward_fn = resolve_reward(reward, "RewardVectorWrapper")
        super().__init__(env)
        from rewardsmith.envs.registry import get_description

        info = install_capture(_gym_calls(env.unwrapped), "RewardVectorWrapper")
        self.description = get_description(info["env_id"])
        check_placement("RewardVectorWrapper", wrapper_chain(env), VECTOR_FIX)
        check_placement("RewardVectorWrapper", info["chain"], SUB_ENV_FIX,
                        ignore=("episode statistics",))  # their "r" is corrected below
        self.reward_fn = reward_fn
        self._episode_return = np.zeros(self.num_envs)
        self._next_step = env.metadata.get("autoreset_mode") == AutoresetMode.NEXT_STEP
        self._resetting = np.zeros(self.num_envs, dtype=bool)  # NEXT_STEP: reset, not stepped

    def reset(self, *, seed: int | list[int] | None = None,
              options: dict[str, Any] | None = None):
        mask = (options or {}).get("reset_mask")
        if mask is None:
            self._episode_return[:] = 0.0
            self._resetting[:] = False
        else:
            self._episode_return[np.asarray(mask, dtype=bool)] = 0.0
            self._resetting[np.asarray(mask, dtype=bool)] = False
        return self.env.reset(seed=seed, options=options)

    def step(self, actions: Any):
        obs, rewards, terminations, truncations, info = self.env.step(actions)
        pairs, stepped = _transitions(info, self.num_envs, self.description.snapshot_size)
        missing = np.flatnonzero(~stepped & ~self._resetting)
        if missing.size:
            raise RuntimeError(f"RewardVectorWrapper: sub-envs {missing.tolist()} stepped without "
                               f"a state capture in their info; was a sub-env replaced after "
                               f"the wrapper was built? Build the wrapper on the final vector env")
        total = np.zeros(self.num_envs)
        components: dict[str, np.ndarray] = {}
        rows = np.flatnonzero(stepped)
        if rows.size:  # none when every sub-env only reset this step (NEXT_STEP)
            act = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)[rows]
            describe = self.description.state_from_snapshots
            step_total, step_components = validate_reward_output(
                self.reward_fn(describe(pairs[rows, 0]), seal(act), describe(pairs[rows, 1])),
                rows.size)
            total[rows] = step_total
            for name, values in step_components.items():
                components[name] = np.zeros(self.num_envs)
                components[name][rows] = values
        self._episode_return += total
        info["original_env_rew"] = np.asarray(rewards, dtype=np.float64)
        info["designed_rew"] = total.copy()
        info["reward_components"] = components
        info["_reward_components"] = stepped
        done = np.logical_or(terminations, truncations)
        for where in (info, info.get("final_info")):
            if isinstance(where, dict) and "_episode" in where:
                set_designed_episode_return(where, self._episode_return,
                                            np.asarray(where["_episode"], dtype=bool) & done)
        self._episode_return[done] = 0.0
        self._resetting = done if self._next_step else self._resetting
        return obs, total, terminations, truncations, info


def _transitions(info: dict[str, Any], n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(n, 2, size)`` snapshot pairs and which sub-envs stepped, out of ``info``.

    Under ``SAME_STEP`` the sub-envs that ended have theirs in ``info["final_info"]``.
    """
    pairs = np.zeros((n, 2, size))
    stepped = np.zeros(n, dtype=bool)
    for where in (info, info.get("final_info")):
        if not isinstance(where, dict) or TRANSITION_KEY not in where:
            continue
        values = where.pop(TRANSITION_KEY)
        mask = np.asarray(where.pop("_" + TRANSITION_KEY), dtype=bool)
        pairs[mask] = values[mask]
        stepped |= mask
    return pairs, stepped


def _gym_calls(env: VectorEnv) -> VectorCalls:
    return VectorCalls(call=lambda name, *args: list(env.call(name, *args)),
                       set_classes=lambda classes: env.set_attr("__class__", list(classes)))
