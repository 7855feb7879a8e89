"""Built-in tasks on the locomotion envs and the pendulum.

Each fitness reads the named state (see ``envs/*.py``) and returns a per-step score; the episode
fitness is the sum over the episode divided by the horizon (1000 steps), so falling early costs.
Thresholds were set from the reference rewards' training runs (see the README's task table).
``tests/envs/test_fitness_semantics.py`` shows on constructed poses of the real models that each
fitness says what its name says.
"""

import numpy as np

from rewardsmith.envs.env_settings import observation_kwargs
from rewardsmith.envs.exploration import WIDE_NOISE
from rewardsmith.envs.tasks import Task


def _right_side_up(next_state):
    # Moving on its back is not running or walking: an ant or a cheetah that flips goes on
    # (neither env ends an episode for it), and its steps upside down count as standing still.
    # Walker2d and Hopper end the episode long before (a lean of 1 rad at most).
    return next_state.torso_up > 0.0


def _forward_speed(state, action, next_state):
    return next_state.torso_velocity[:, 0] * _right_side_up(next_state)


def _backward_speed(state, action, next_state):
    return -next_state.torso_velocity[:, 0] * _right_side_up(next_state)


def _backflip_rate(state, action, next_state):
    # A backflip turns the nose up and over: negative rotation about y.
    return -next_state.torso_angular_velocity[:, 1]


def _balanced(state, action, next_state):
    return (np.abs(next_state.pole_angle) < 0.2).astype(np.float64)


def _standing(state, action, next_state):
    return ((next_state.torso_height > 1.2) & (next_state.torso_up > 0.9)).astype(np.float64)


# The humanoid's leg bodies: kneeling may rest on these and nothing else.
_LEGS = frozenset(f"{side}_{part}" for side in ("right", "left")
                  for part in ("thigh", "shin", "foot"))


def _kneeling(state, action, next_state):
    # Kneeling means the body rests on its knees: both shins touch the floor and nothing but the
    # legs does. Arms count as "something else" too: the hands are geoms of the lower-arm bodies,
    # so hands on the floor (all fours, or propping oneself up) show as lower-arm contacts.
    c = next_state.contacts
    knees_down = c["right_shin"] & c["left_shin"]
    others = [touching for name, touching in c.items() if name not in _LEGS]
    only_legs = ~np.any(others, axis=0)
    upright = next_state.torso_up > 0.8
    return (knees_down & only_legs & upright).astype(np.float64)


def _hands_and_head_top(next_state):
    """Heights (B,) of the right hand's centre, the left hand's centre and the top of the head.

    The body frames in ``body_positions`` sit at the joints: ``*_lower_arm`` is the elbow, not the
    hand, and the torso's centre is 0.28 m below the top of the head. The hands and the head are
    geoms, read from ``geom_positions``; the head is a sphere, its top one radius above its centre.
    """
    points = next_state.geom_positions
    return (points["right_hand"][:, 2], points["left_hand"][:, 2],
            points["head"][:, 2] + _HEAD_RADIUS)


_HEAD_RADIUS = 0.09  # Humanoid-v5's head geom (the description states it, read off the model)


def _arms_raised(state, action, next_state):
    # "Arms above the head" means the hands are higher than the highest point of the head.
    # Checking the lower-arm frames against torso + 0.1 m instead would pass with the hands at
    # chin level or with the elbows up and the forearms hanging: that frame is the elbow, not
    # the hand, and the top of the head is 0.28 m above the torso's centre, not 0.1 m.
    right, left, head_top = _hands_and_head_top(next_state)
    hands_up = (right > head_top) & (left > head_top)
    upright = (next_state.torso_height > 1.1) & (next_state.torso_up > 0.8)
    return (hands_up & upright).astype(np.float64)


# Early termination as env_settings decides it for requests no task covers. Standing poses keep
# Humanoid's default: a torso below 1.0 m has fallen, and with termination off a fall cost only
# the rest of the episode spent on the floor (humanoid-stand's reference, seeds 0 and 1, 600k
# steps: fitness 0.117 / 0.136 with termination against 0.066 / 0.015 without; README, #12).
# Kneeling holds the torso at 0.66-0.90 m, below the default range, so the healthy height is
# lowered to knee height: lying (0.1 m) still ends the episode.
_ON_THE_KNEES = {"healthy_z_range": [0.49, 2.0]}
_ON_FEET: dict = {}
# Moving backwards, Hopper's torso may lean 1 rad (its default ends the episode at 0.2), as a
# request to move backwards gets (rewardsmith.envs.env_settings): its leg reaches ahead of the
# body only when the torso leans back
_LEANING_BACK = {"healthy_angle_range": [-1.0, 1.0]}

# An ant on its back rests with its torso at 0.27 m, above Ant-v5's 0.2 m floor, so a flip did not
# end the episode: the policy lived on, wriggling, and nothing taught it that a flip is the end of
# the run. 0.31 m is IsaacGymEnvs' and Isaac Lab's Ant termination height; measured on Ant-v5,
# right side up the torso never goes that low (slack legs: 0.38 m; a random policy's upright
# steps: 0.43 m at the lowest), on its back it lies at 0.27 m.
_FLIP_ENDS_THE_EPISODE = {"healthy_z_range": [0.31, 1.0]}

# cheetah-flip's budget: with the wide action noise a flip gets, its reference first reached 3
# rad/s at 600k and 750k steps (seeds 0, 1; 4.20 and 4.59 at 1M), past the 500k it had
# (benchmarks/results/time_to_success_cheetah-flip_std1_lr4x_1M.json)
_FLIP_STEPS = 1_000_000

TASKS = [
    Task("pendulum-balance", "keep the pole on the cart balanced upright", "InvertedPendulum-v5",
         _balanced, "fraction of the 1000-step horizon with |pole angle| < 0.2 rad", 0.95,
         50_000),
    Task("cheetah-run", "make the half cheetah run forward as fast as possible", "HalfCheetah-v5",
         _forward_speed, "mean forward speed over the episode, right side up (m/s)", 3.0,
         300_000),
    Task("cheetah-run-backwards", "make the half cheetah run backwards", "HalfCheetah-v5",
         _backward_speed, "mean backward speed over the episode, right side up (m/s)", 2.0,
         300_000),
    Task("cheetah-flip", "make the half cheetah do backflips", "HalfCheetah-v5", _backflip_rate,
         "mean backward pitch rate over the episode (rad/s)", 3.0, _FLIP_STEPS,
         algo_kwargs=WIDE_NOISE),
    Task("hopper-hop", "make the hopper hop forward", "Hopper-v5", _forward_speed,
         "mean forward speed over the 1000-step horizon (m/s; a fall ends the episode)", 1.0,
         1_000_000),
    Task("hopper-hop-backwards", "make the hopper hop backwards", "Hopper-v5", _backward_speed,
         "mean backward speed over the 1000-step horizon (m/s)", 0.8, 1_000_000,
         env_kwargs=_LEANING_BACK,
         env_note="this task runs Hopper-v5 with healthy_angle_range=(-1.0, 1.0): an episode "
                  "ends early when |torso_pitch| > 1.0 rad (not the default 0.2 rad), "
                  "torso_height < 0.7 m, or a joint angle or velocity leaves [-100, 100]"),
    Task("walker-walk", "make the walker walk forward", "Walker2d-v5", _forward_speed,
         "mean forward speed over the 1000-step horizon (m/s)", 1.0, 1_000_000),
    Task("walker-walk-backwards", "make the walker walk backwards", "Walker2d-v5",
         _backward_speed, "mean backward speed over the 1000-step horizon (m/s)", 0.8, 1_000_000),
    Task("ant-run", "make the ant run forward", "Ant-v5", _forward_speed,
         "mean forward speed over the 1000-step horizon, right side up (m/s; on its back counts "
         "as standing still)", 1.0, 2_000_000,
         env_kwargs={**observation_kwargs("Ant-v5"), **_FLIP_ENDS_THE_EPISODE},
         env_note="this task runs Ant-v5 with healthy_z_range=(0.31, 1.0): an episode ends "
                  "early when torso_height leaves [0.31, 1.0] m (the default floor is 0.2 m); an "
                  "ant on its back rests at 0.27 m, so a flip ends the episode"),
    Task("humanoid-stand", "make the humanoid stand upright", "Humanoid-v5", _standing,
         "fraction of the horizon with the torso above 1.2 m and upright (torso_up > 0.9)", 0.8,
         2_000_000, env_kwargs=_ON_FEET),
    Task("humanoid-kneel", "make the humanoid kneel", "Humanoid-v5", _kneeling,
         "fraction of the horizon with both shins (the knees) on the floor, the torso upright "
         "(torso_up > 0.8) and nothing but legs (thighs, shins, feet) touching the floor: no "
         "hands, arms, chest, waist or pelvis", 0.5, 2_000_000, env_kwargs=_ON_THE_KNEES,
         env_note="this task runs Humanoid-v5 with healthy_z_range=(0.49, 2.0): an episode ends "
                  "early when torso_height leaves [0.49, 2.0] m (knee height, not the default "
                  "1.0 m), so kneeling goes on and a fall to the floor ends it"),
    Task("humanoid-raise-arms", "make the humanoid raise both arms above its head",
         "Humanoid-v5", _arms_raised,
         "fraction of the horizon standing (torso above 1.1 m, torso_up > 0.8) with the centres "
         "of both hands above the top of the head", 0.5, 2_000_000,
         env_kwargs=_ON_FEET),
]
