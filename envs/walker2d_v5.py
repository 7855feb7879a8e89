"""Walker2d-v5: the state a reward for the 2-D biped can read."""

from rewardsmith.envs.locomotion import LocomotionSpec

SPEC = LocomotionSpec(
    env_id="Walker2d-v5",
    title="Walker2d",
    summary=(
        "A planar two-legged robot: a vertical torso on a right leg (thigh, leg, foot) and a left "
        "leg (thigh_left, leg_left, foot_left). It moves only in the x-z plane: +x is forward, "
        "z is up, and it rotates only about the y axis."
    ),
    root="planar",
    joint_docs={
        "thigh_joint": "right hip", "leg_joint": "right knee", "foot_joint": "right ankle",
        "thigh_left_joint": "left hip", "leg_left_joint": "left knee",
        "foot_left_joint": "left ankle",
    },
    body_docs={
        "torso": "the upper body", "thigh": "right thigh", "leg": "right shin",
        "foot": "right foot", "thigh_left": "left thigh", "leg_left": "left shin",
        "foot_left": "left foot",
    },
    contact_bodies=["torso", "thigh", "leg", "foot", "thigh_left", "leg_left", "foot_left"],
    action_docs={
        0: "torque on the right hip", 1: "torque on the right knee",
        2: "torque on the right ankle", 3: "torque on the left hip",
        4: "torque on the left knee", 5: "torque on the left ankle",
    },
    notes=[
        "Episodes last at most 1000 steps (8 s). By default the episode ENDS EARLY when the robot "
        "is unhealthy: torso_height outside [0.8, 2.0] m or |torso_pitch| > 1 rad. Requests that "
        "put the body on the floor (sit, lie) or flip run with terminate_when_unhealthy=False "
        "instead; a crouch or a kneel keeps early termination, with the healthy height lowered "
        "to knee height; the start of a run says which settings it uses.",
        "The torso starts about 1.25 m high, upright.",
        "A good walker moves at 1-3 m/s.",
    ],
)
