"""Reference reward for hopper-hop-backwards: move backwards while staying healthy."""
import numpy as np


def compute_reward(state, action, next_state):
    backward = -next_state.torso_velocity[:, 0]
    alive = np.ones_like(backward)
    action_cost = -0.001 * np.sum(action ** 2, axis=1)
    return backward + alive + action_cost, {"backward": backward, "alive": alive,
                                            "action_cost": action_cost}
