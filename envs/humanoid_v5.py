"""Humanoid-v5: the state a reward for the 3-D humanoid can read."""

from rewardsmith.envs.locomotion import LocomotionSpec

_SIDES = {"right": "right", "left": "left"}

SPEC = LocomotionSpec(
    env_id="Humanoid-v5",
    title="Humanoid",
    summary=(
        "A 3-D humanoid: torso, abdomen (lwaist, pelvis), two legs (thigh, shin, foot) and "
        "two arms "
        "(upper arm, lower arm). It moves freely in 3-D: +x is forward (the way it faces at the "
        "start), y is left, z is up. Standing, the torso is about 1.3-1.4 m high."
    ),
    root="free",
    joint_docs={
        "abdomen_z": "waist twist", "abdomen_y": "waist bend forward/back",
        "abdomen_x": "waist bend sideways",
        **{f"{s}_hip_x": f"{s} hip, sideways" for s in _SIDES},
        **{f"{s}_hip_z": f"{s} hip, twist" for s in _SIDES},
        **{f"{s}_hip_y": f"{s} hip, forward/back (negative swings the leg forward)"
           for s in _SIDES},
        **{f"{s}_knee": f"{s} knee (0 straight, negative bent)" for s in _SIDES},
        **{f"{s}_shoulder1": f"{s} shoulder, first axis" for s in _SIDES},
        **{f"{s}_shoulder2": f"{s} shoulder, second axis" for s in _SIDES},
        **{f"{s}_elbow": f"{s} elbow" for s in _SIDES},
    },
    body_docs={
        "torso": "chest (the torso)", "lwaist": "lower waist", "pelvis": "pelvis",
        **{f"{s}_thigh": f"{s} thigh" for s in _SIDES},
        **{f"{s}_shin": f"{s} shin; its frame is at the knee" for s in _SIDES},
        **{f"{s}_foot": f"{s} foot" for s in _SIDES},
        **{f"{s}_upper_arm": f"{s} upper arm; its frame is at the shoulder" for s in _SIDES},
        **{f"{s}_lower_arm": f"{s} lower arm (forearm); its frame is at the elbow" for s in _SIDES},
    },
    contact_bodies=["torso", "lwaist", "pelvis", "right_thigh", "right_shin", "right_foot",
                    "left_thigh", "left_shin", "left_foot", "right_upper_arm",
                    "right_lower_arm", "left_upper_arm", "left_lower_arm"],
    action_docs={},
    point_docs={"right_hand": "right hand", "left_hand": "left hand", "head": "head"},
    notes=[
        "Episodes last at most 1000 steps (15 s). With the default settings the episode ENDS EARLY "
        "when torso_height leaves [1.0, 2.0] m. Early termination is turned off "
        "(terminate_when_unhealthy=False, every episode lasts the full 1000 steps) only for "
        "requests that put the body on the floor (sit, lie, get down); a crouch or a kneel "
        "keeps it, with the healthy height lowered to knee height (0.49 m); the start of a "
        "run says which settings it uses.",
        "contacts['right_shin'] is True when the right shin (the knee) touches the floor.",
        "Actions are in [-0.4, 0.4].",
    ],
)
