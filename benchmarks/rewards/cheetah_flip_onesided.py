"""cheetah-flip with a one-sided spin term: backward pitch rate paid from 0 up to 5 rad/s.

The shape of the flip rewards in the DeepMind Control cheetah variants (URLB and others:
``tolerance(angmomentum, bounds=(spin, inf), margin=spin, value_at_margin=0)``, a ramp from 0
to 1 that pays nothing for spinning the other way). With the signed rate, rearing up pays and
falling back costs as much, so only whole flips are worth anything; one-sided, rearing up pays
and falling back costs nothing, which leads on to going over.
"""
import numpy as np


def compute_reward(state, action, next_state):
    spin = np.clip(-next_state.torso_angular_velocity[:, 1], 0.0, 5.0)
    action_cost = -0.05 * np.sum(action ** 2, axis=1)
    return spin + action_cost, {"spin": spin, "action_cost": action_cost}
