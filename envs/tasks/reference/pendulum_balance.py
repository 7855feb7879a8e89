"""Reference reward for pendulum-balance: stay upright, near the centre, without jerking."""
import numpy as np


def compute_reward(state, action, next_state):
    upright = np.cos(next_state.pole_angle)
    centred = -0.05 * next_state.cart_position ** 2
    effort = -0.001 * np.sum(action ** 2, axis=1)
    total = upright + centred + effort
    return total, {"upright": upright, "centred": centred, "effort": effort}
