"""Reference reward for cheetah-run-backwards: backward speed minus a small action cost."""
import numpy as np


def compute_reward(state, action, next_state):
    backward = -next_state.torso_velocity[:, 0]
    action_cost = -0.1 * np.sum(action ** 2, axis=1)
    return backward + action_cost, {"backward": backward, "action_cost": action_cost}
