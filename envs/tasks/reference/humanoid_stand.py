"""Reference reward for humanoid-stand: torso high and upright, little motion."""
import numpy as np


def compute_reward(state, action, next_state):
    height = np.clip(next_state.torso_height / 1.3, 0.0, 1.0)
    upright = 0.5 * next_state.torso_up
    still = -0.05 * np.sum(next_state.torso_velocity[:, :2] ** 2, axis=1)
    action_cost = -0.1 * np.sum(action ** 2, axis=1)
    total = height + upright + still + action_cost
    return total, {"height": height, "upright": upright, "still": still,
                   "action_cost": action_cost}
