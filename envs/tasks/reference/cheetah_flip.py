"""Reference reward for cheetah-flip: spin backwards (nose up and over), little action cost."""
import numpy as np


def compute_reward(state, action, next_state):
    spin = -next_state.torso_angular_velocity[:, 1]
    action_cost = -0.05 * np.sum(action ** 2, axis=1)
    return spin + action_cost, {"spin": spin, "action_cost": action_cost}
