"""Reference reward for humanoid-raise-arms: stand upright with both hands above the head."""
import numpy as np

HEAD_RADIUS = 0.09  # the head sphere's radius (the description gives it): its top is this high


def compute_reward(state, action, next_state):
    points = next_state.geom_positions
    head_top = points["head"][:, 2] + HEAD_RADIUS
    right = points["right_hand"][:, 2] - head_top
    left = points["left_hand"][:, 2] - head_top
    # Each hand pulled up towards and past the top of the head, and a bonus while both are there.
    reach = 0.5 * (np.tanh(5.0 * right) + np.tanh(5.0 * left))
    both_up = ((right > 0) & (left > 0)).astype(np.float64)
    stand = np.clip(next_state.torso_height / 1.3, 0.0, 1.0) + 0.5 * next_state.torso_up
    action_cost = -0.1 * np.sum(action ** 2, axis=1)
    total = reach + both_up + stand + action_cost
    return total, {"reach": reach, "both_up": both_up, "stand": stand,
                   "action_cost": action_cost}
