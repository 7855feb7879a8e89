"""Ant-v5: the state a reward for the four-legged ant can read."""

from rewardsmith.envs.locomotion import LocomotionSpec

SPEC = LocomotionSpec(
    env_id="Ant-v5",
    title="Ant",
    summary=(
        "A 3-D quadruped: a round torso with four legs, each with a hip and an ankle joint. It "
        "moves freely in 3-D: +x is forward, y is left, z is up."
    ),
    root="free",
    joint_docs={
        "hip_1": "front-left hip (swing)", "ankle_1": "front-left ankle (lift)",
        "hip_2": "front-right hip", "ankle_2": "front-right ankle",
        "hip_3": "back-left hip", "ankle_3": "back-left ankle",
        "hip_4": "back-right hip", "ankle_4": "back-right ankle",
    },
    body_docs={
        "torso": "the body", "front_left_foot": "front-left lower leg",
        "front_right_foot": "front-right lower leg", "back_left_foot": "back-left lower leg",
        "back_right_foot": "back-right lower leg",
    },
    body_aliases={4: "front_left_foot", 7: "front_right_foot", 10: "back_left_foot",
                  13: "back_right_foot"},
    contact_bodies=["torso", "front_left_foot", "front_right_foot", "back_left_foot",
                    "back_right_foot"],
    action_docs={
        0: "torque on hip_4", 1: "torque on ankle_4", 2: "torque on hip_1", 3: "torque on ankle_1",
        4: "torque on hip_2", 5: "torque on ankle_2", 6: "torque on hip_3", 7: "torque on ankle_3",
    },
    notes=[
        "Episodes last at most 1000 steps (50 s). By default the episode ENDS EARLY when "
        "torso_height leaves [0.2, 1.0] m. Requests that put the body on the floor (sit, lie) run "
        "with terminate_when_unhealthy=False instead; the start of a run says which settings it "
        "uses.",
        "The torso starts about 0.75 m high, upright.",
    ],
)
