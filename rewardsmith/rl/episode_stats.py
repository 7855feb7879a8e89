"""Sum the designed reward and each of its components per episode, in any training loop.

The reward wrappers put, at every step, the designed reward in ``info["designed_rew"]``, each
component in ``info["reward_components"]`` and the env's own reward in
``info["original_env_rew"]``. Those survive every wrapper a loop adds on top (reward
normalisation changes the reward it returns, not the info), so per-episode sums built from them
are the designed return whatever the stack. :class:`EpisodeComponentTracker` reads the three
info shapes there are: one env (a dict of floats), SB3's ``VecEnv`` (a list of such dicts) and
gymnasium's ``VectorEnv`` (a dict of arrays, with its ``_reward_components`` mask leaving out the
reset steps of ``NEXT_STEP`` autoreset). The SB3 callback
(:class:`rewardsmith.rl.reward_logging.LogRewardComponents`) is built on it.

Two pieces the wrappers share live here too: :class:`ComponentLog` (per-component statistics
over training, for reflection) and :func:`set_designed_episode_return` (the designed return in
``info["episode"]["r"]`` when a ``Monitor``/``RecordEpisodeStatistics`` sits below the reward).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class EpisodeComponentTracker:
    """Per-episode designed return, env return, length and component sums.

    Usage in a loop (CleanRL style)::

        tracker = EpisodeComponentTracker()
        ...
        obs, reward, terminated, truncated, infos = envs.step(action)
        for episode in tracker.update(infos, terminated | truncated):
            print(episode["return"], episode["components"])
    """

    def __init__(self) -> None:
        self._running: dict[int, dict[str, Any]] = {}
        self._finished: list[dict[str, Any]] = []

    def update(self, infos: Any, dones: Any) -> list[dict[str, Any]]:
        """Add one step; return the episodes it ended.

        Args:
            infos: the step's info: a dict (one env or a gymnasium vector env) or a list of
                dicts (SB3).
            dones: whether each env's episode ended (``terminated | truncated``); a bool for
                one env.

        Returns:
            One dict per ended episode: ``env`` (index), ``return`` (designed), ``env_return``,
            ``length`` and ``components`` (name -> sum).
        """
        ended = []
        for i, (step, done) in enumerate(zip(_per_env(infos), np.atleast_1d(dones), strict=True)):
            if step is not None:
                running = self._running.setdefault(i, _new())
                running["return"] += step[0]
                running["env_return"] += step[1]
                running["length"] += 1
                for name, value in step[2].items():
                    running["components"][name] = running["components"].get(name, 0.0) + value
            if done and i in self._running:
                ended.append({"env": i, **self._running.pop(i)})
        self._finished.extend(ended)
        return ended

    def pop_means(self) -> dict[str, float]:
        """Means over the episodes ended since the last call: ``return``, ``env_return``,
        ``length`` and ``component/<name>``; empty when none ended."""
        episodes, self._finished = self._finished, []
        if not episodes:
            return {}
        means = {key: float(np.mean([e[key] for e in episodes]))
                 for key in ("return", "env_return", "length")}
        names = {name for e in episodes for name in e["components"]}
        for name in sorted(names):
            means[f"component/{name}"] = float(np.mean([e["components"].get(name, 0.0)
                                                        for e in episodes]))
        return means


def _new() -> dict[str, Any]:
    return {"return": 0.0, "env_return": 0.0, "length": 0, "components": {}}


def _per_env(infos: Any) -> list[tuple[float, float, dict[str, float]] | None]:
    """``(designed, env reward, components)`` per env; ``None`` where an env did not step."""
    if isinstance(infos, list | tuple):  # SB3: one dict per env
        return [_one(info) for info in infos]
    if "designed_rew" in infos and np.ndim(infos["designed_rew"]) == 1:  # gymnasium vector
        designed = np.asarray(infos["designed_rew"], dtype=np.float64)
        stepped = np.asarray(infos.get("_reward_components", np.ones(len(designed), bool)))
        env_rew = np.asarray(infos.get("original_env_rew", np.zeros(len(designed))))
        components = {k: v for k, v in infos.get("reward_components", {}).items()
                      if not k.startswith("_")}  # per-env RewardWrappers: gymnasium's masks
        return [(float(designed[i]), float(env_rew[i]),
                 {k: float(v[i]) for k, v in components.items()}) if stepped[i] else None
                for i in range(len(designed))]
    return [_one(infos)]


def _one(info: dict[str, Any]) -> tuple[float, float, dict[str, float]] | None:
    if "designed_rew" not in info:
        return None
    return (float(info["designed_rew"]), float(info.get("original_env_rew", 0.0)),
            {k: float(v) for k, v in info.get("reward_components", {}).items()})


def set_designed_episode_return(info: dict[str, Any], designed: Any, mask: Any = None) -> None:
    """Put the designed return in ``info["episode"]["r"]``, the env's in ``"original_r"``.

    For the ``episode`` entry an episode-statistics wrapper below wrote (SB3's ``Monitor``,
    gymnasium's ``RecordEpisodeStatistics``; a dict of arrays with a ``mask`` in a gymnasium
    vector info). Nothing happens when there is none.
    """
    episode = info.get("episode")
    if not isinstance(episode, dict) or "r" not in episode:
        return
    if mask is None:
        episode["original_r"] = episode["r"]
        episode["r"] = designed
    else:
        returns = np.asarray(episode["r"])
        episode["original_r"] = returns.copy()
        episode["r"] = np.where(mask, designed, returns).astype(returns.dtype, copy=False)


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
