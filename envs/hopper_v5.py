"""Hopper-v5: the state a reward for the 2-D one-legged hopper can read."""

from rewardsmith.envs.locomotion import LocomotionSpec

SPEC = LocomotionSpec(
    env_id="Hopper-v5",
    title="Hopper",
    summary=(
        "A planar one-legged robot: a vertical torso on a thigh, a leg (shin) and a foot. It moves "
        "only in the x-z plane: +x is forward (the way the foot points), z is up, and it rotates "
        "only about the y axis. It must hop to move; it easily falls."
    ),
    root="planar",
    joint_docs={"thigh_joint": "hip (torso-thigh)", "leg_joint": "knee (thigh-leg)",
                "foot_joint": "ankle (leg-foot)"},
    body_docs={"torso": "the upper body", "thigh": "thigh", "leg": "shin", "foot": "foot"},
    contact_bodies=["torso", "thigh", "leg", "foot"],
    action_docs={0: "torque on the hip", 1: "torque on the knee", 2: "torque on the ankle"},
    notes=[
        "Episodes last at most 1000 steps (8 s). By default the episode ENDS EARLY when the robot "
        "is unhealthy: torso_height < 0.7 m, |torso_pitch| > 0.2 rad, or any joint angle or "
        "velocity outside [-100, 100]. Staying healthy matters for long episodes. Requests that "
        "put the body on the floor (sit, lie) or flip run with terminate_when_unhealthy=False "
        "instead; a crouch or a kneel keeps early termination, with the healthy height lowered "
        "to knee height and the angle range widened to 1 rad; the start of a run says which "
        "settings it uses.",
        "The torso starts about 1.25 m high, upright.",
        "A good hopper moves at 1-3 m/s.",
    ],
)
