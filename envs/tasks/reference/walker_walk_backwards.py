"""Reference reward for walker-walk-backwards: move backwards, stay healthy, small action cost.

The alive bonus is 0.1 for the reason given in ``walker_walk.py`` and ``hopper_hop.py``: a bonus
as large as the backward term at the gait's speed pays a slow, safe gait.
"""
import numpy as np


def compute_reward(state, action, next_state):
    backward = -next_state.torso_velocity[:, 0]
    alive = 0.1 * np.ones_like(backward)
    action_cost = -0.001 * np.sum(action ** 2, axis=1)
    return backward + alive + action_cost, {"backward": backward, "alive": alive,
                                            "action_cost": action_cost}
