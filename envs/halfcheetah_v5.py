"""HalfCheetah-v5: the state a reward for the 2-D cheetah can read.

Follows the section order of gymnasium's ``half_cheetah_v5.py`` docstring, keeping only what the
reward sees (the env's own reward is never described here: the designer must not see it).
"""

from rewardsmith.envs.locomotion import LocomotionSpec

SPEC = LocomotionSpec(
    env_id="HalfCheetah-v5",
    title="HalfCheetah",
    summary=(
        "A planar cat-like robot: a flat torso with a back leg (thigh, shin, foot) and a front leg "
        "(thigh, shin, foot). It moves only in the x-z plane: +x is forward (the head's side), "
        "z is up, and it rotates only about the y axis. It cannot fall over into a terminal state: "
        "it may end up on its back and keep going."
    ),
    root="planar",
    joint_docs={
        "bthigh": "back hip (torso-thigh)", "bshin": "back knee (thigh-shin)",
        "bfoot": "back ankle (shin-foot)", "fthigh": "front hip (torso-thigh)",
        "fshin": "front knee (thigh-shin)", "ffoot": "front ankle (shin-foot)",
    },
    body_docs={
        "torso": "the body", "bthigh": "back thigh", "bshin": "back shin", "bfoot": "back foot",
        "fthigh": "front thigh", "fshin": "front shin", "ffoot": "front foot",
    },
    contact_bodies=["torso", "bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot"],
    action_docs={
        0: "torque on the back hip", 1: "torque on the back knee", 2: "torque on the back ankle",
        3: "torque on the front hip", 4: "torque on the front knee", 5: "torque on the front ankle",
    },
    notes=[
        "Episodes last 1000 steps (50 s); there is no early termination.",
        "The torso starts 0 m along x, about 0.7 m high (z), upright (torso_up = 1).",
        "A good runner reaches 3-10 m/s forward; random actions give about 0 m/s.",
    ],
)
