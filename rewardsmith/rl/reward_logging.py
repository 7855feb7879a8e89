"""An SB3 callback that logs the designed return and each reward component per episode.

SB3 logs ``rollout/ep_rew_mean`` from whatever ``Monitor`` counts; where that is the env's own
return (a ``Monitor`` below the reward wrapper in a stack the user cannot change) or where
``VecNormalize`` scales the reward, this callback still logs what the designed reward paid:
``rewardsmith/ep_return`` (designed), ``rewardsmith/ep_env_return`` (the env's own reward),
``rewardsmith/ep_length`` and ``rewardsmith/component/<name>`` (each component's sum per
episode), averaged over the episodes that ended since SB3's last dump, in every output SB3 logs
to (stdout, TensorBoard, CSV). Imports SB3; for other loops use
:class:`rewardsmith.rl.episode_stats.EpisodeComponentTracker`.
"""

from __future__ import annotations

from stable_baselines3.common.callbacks import BaseCallback

from rewardsmith.rl.episode_stats import EpisodeComponentTracker

PREFIX = "rewardsmith/"


class LogRewardComponents(BaseCallback):
    """Log the designed return and each component's per-episode sum to SB3's logger.

    Usage::

        model.learn(100_000, callback=rewardsmith.LogRewardComponents())

    Args:
        verbose: SB3's verbosity (unused here, kept for the callback protocol).
    """

    def __init__(self, verbose: int = 0):
        super().__init__(verbose)
        self.tracker = EpisodeComponentTracker()

    def _on_step(self) -> bool:
        for episode in self.tracker.update(self.locals["infos"], self.locals["dones"]):
            self.logger.record_mean(PREFIX + "ep_return", episode["return"])
            self.logger.record_mean(PREFIX + "ep_env_return", episode["env_return"])
            self.logger.record_mean(PREFIX + "ep_length", episode["length"])
            for name, value in episode["components"].items():
                self.logger.record_mean(f"{PREFIX}component/{name}", value)
        return True
