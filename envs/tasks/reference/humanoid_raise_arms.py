"""Reference reward for humanoid-raise-arms: stand upright with both forearms above the head."""
import numpy as np


def compute_reward(state, action, next_state):
    pos = next_state.body_positions
    head = next_state.torso_height + 0.1
    arms = 0.5 * (np.tanh(5.0 * (pos["right_lower_arm"][:, 2] - head))
                  + np.tanh(5.0 * (pos["left_lower_arm"][:, 2] - head)))
    stand = np.clip(next_state.torso_height / 1.3, 0.0, 1.0) + 0.5 * next_state.torso_up
    action_cost = -0.1 * np.sum(action ** 2, axis=1)
    total = arms + stand + action_cost
    return total, {"arms": arms, "stand": stand, "action_cost": action_cost}
