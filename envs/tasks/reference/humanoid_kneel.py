"""Reference reward for humanoid-kneel: both knees on the floor, torso upright, hips low."""
import numpy as np


def compute_reward(state, action, next_state):
    c = next_state.contacts
    knees = 0.5 * (c["right_shin"].astype(np.float64) + c["left_shin"].astype(np.float64))
    upright = np.clip(next_state.torso_up, 0.0, 1.0)
    # Kneeling upright puts the chest around 0.8-0.9 m: reward approaching that height.
    height = np.exp(-((next_state.torso_height - 0.85) / 0.15) ** 2)
    body_down = -(c["torso"] | c["pelvis"] | c["lwaist"]).astype(np.float64)
    action_cost = -0.1 * np.sum(action ** 2, axis=1)
    total = knees + upright + height + body_down + action_cost
    return total, {"knees": knees, "upright": upright, "height": height,
                   "body_down": body_down, "action_cost": action_cost}
