"""Built-in tasks on the locomotion envs and the pendulum.

Each fitness reads the named state (see ``envs/*.py``) and returns a per-step score; the episode
fitness is the sum over the episode divided by the horizon (1000 steps), so falling early costs.
Thresholds were set from the reference rewards' training runs (see the README's task table).
"""

import numpy as np

from rewardsmith.envs.tasks import Task


def _forward_speed(state, action, next_state):
    return next_state.torso_velocity[:, 0]


def _backward_speed(state, action, next_state):
    return -next_state.torso_velocity[:, 0]


def _backflip_rate(state, action, next_state):
    # A backflip turns the nose up and over: negative rotation about y.
    return -next_state.torso_angular_velocity[:, 1]


def _balanced(state, action, next_state):
    return (np.abs(next_state.pole_angle) < 0.2).astype(np.float64)


def _standing(state, action, next_state):
    return ((next_state.torso_height > 1.2) & (next_state.torso_up > 0.9)).astype(np.float64)


def _kneeling(state, action, next_state):
    c = next_state.contacts
    knees_down = c["right_shin"] & c["left_shin"]
    feet_and_knees_only = ~(c["torso"] | c["pelvis"] | c["lwaist"])
    upright = next_state.torso_up > 0.8
    return (knees_down & feet_and_knees_only & upright).astype(np.float64)


def _arms_raised(state, action, next_state):
    pos = next_state.body_positions
    head_level = next_state.torso_height + 0.1
    hands_up = ((pos["right_lower_arm"][:, 2] > head_level)
                & (pos["left_lower_arm"][:, 2] > head_level))
    upright = (next_state.torso_height > 1.1) & (next_state.torso_up > 0.8)
    return (hands_up & upright).astype(np.float64)


_POSE = {"terminate_when_unhealthy": False}

TASKS = [
    Task("pendulum-balance", "keep the pole on the cart balanced upright", "InvertedPendulum-v5",
         _balanced, "fraction of the 1000-step horizon with |pole angle| < 0.2 rad", 0.95,
         50_000),
    Task("cheetah-run", "make the half cheetah run forward as fast as possible", "HalfCheetah-v5",
         _forward_speed, "mean forward speed over the episode (m/s)", 3.0, 300_000),
    Task("cheetah-run-backwards", "make the half cheetah run backwards", "HalfCheetah-v5",
         _backward_speed, "mean backward speed over the episode (m/s)", 2.0, 300_000),
    Task("cheetah-flip", "make the half cheetah do backflips", "HalfCheetah-v5", _backflip_rate,
         "mean backward pitch rate over the episode (rad/s)", 3.0, 500_000),
    Task("hopper-hop", "make the hopper hop forward", "Hopper-v5", _forward_speed,
         "mean forward speed over the 1000-step horizon (m/s; a fall ends the episode)", 1.0,
         500_000),
    Task("hopper-hop-backwards", "make the hopper hop backwards", "Hopper-v5", _backward_speed,
         "mean backward speed over the 1000-step horizon (m/s)", 0.8, 500_000),
    Task("walker-walk", "make the walker walk forward", "Walker2d-v5", _forward_speed,
         "mean forward speed over the 1000-step horizon (m/s)", 1.0, 1_000_000),
    Task("walker-walk-backwards", "make the walker walk backwards", "Walker2d-v5",
         _backward_speed, "mean backward speed over the 1000-step horizon (m/s)", 0.8, 1_000_000),
    Task("ant-run", "make the ant run forward", "Ant-v5", _forward_speed,
         "mean forward speed over the 1000-step horizon (m/s)", 1.0, 2_000_000),
    Task("humanoid-stand", "make the humanoid stand upright", "Humanoid-v5", _standing,
         "fraction of the horizon with the torso above 1.2 m and upright", 0.8, 2_000_000,
         env_kwargs=_POSE),
    Task("humanoid-kneel", "make the humanoid kneel", "Humanoid-v5", _kneeling,
         "fraction of the horizon with both knees on the floor, the torso upright and nothing "
         "but legs touching the floor", 0.5, 2_000_000, env_kwargs=_POSE),
    Task("humanoid-raise-arms", "make the humanoid raise both arms above its head",
         "Humanoid-v5", _arms_raised,
         "fraction of the horizon standing with both forearms above the head", 0.5, 2_000_000,
         env_kwargs=_POSE),
]
