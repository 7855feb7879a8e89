"""Reference reward for cheetah-run: forward speed minus a small action cost."""
import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    action_cost = -0.1 * np.sum(action ** 2, axis=1)
    return forward + action_cost, {"forward": forward, "action_cost": action_cost}
