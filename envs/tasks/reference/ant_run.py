"""Reference reward for ant-run: forward speed, stay alive, small action cost."""
import numpy as np


def compute_reward(state, action, next_state):
    forward = next_state.torso_velocity[:, 0]
    alive = np.ones_like(forward)
    action_cost = -0.5 * np.sum(action ** 2, axis=1)
    return forward + alive + action_cost, {"forward": forward, "alive": alive,
                                           "action_cost": action_cost}
