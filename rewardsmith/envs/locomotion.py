"""Build the shared locomotion description (torso, joints, bodies, contacts) from a MuJoCo model.

The five locomotion envs (HalfCheetah, Hopper, Walker2d, Ant, Humanoid) expose the same field
names with the same meaning, so rewards and prompts transfer between them. Planar robots (a
``rootx``/``rootz``/``rooty`` slide-slide-hinge root) and free-floating ones (a ``free`` root
joint) differ only in how the torso's velocities are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import mujoco
import numpy as np

from rewardsmith.contract.state import RawBatch
from rewardsmith.envs.descriptions import (
    ActionRow,
    EnvDescription,
    Field,
    build_layout,
    contact_flags,
    mapping_field,
)


@dataclass
class LocomotionSpec:
    """What an ``envs/`` file declares for a locomotion env; the rest is read off the model.

    Attributes:
        env_id: gymnasium id.
        title: short name.
        summary: the robot and its conventions, in two or three sentences.
        root: ``"planar"`` (x-z plane, rootx/rootz/rooty) or ``"free"`` (6-DoF free joint).
        joint_docs: hinge joint name -> what it is (every actuated joint should have one).
        body_docs: body name -> what it is; bodies left out are not exposed.
        body_aliases: body id -> name, for bodies the XML leaves unnamed.
        contact_bodies: bodies reported in ``contacts``.
        action_docs: actuator index -> meaning.
        notes: extra facts for the designer.
        torso: the body whose pose is the "torso".
        point_docs: geom name -> what it is, for points a reward needs that no body frame marks
            (a body's frame sits at its joint: the Humanoid's hands and head are geoms of the
            lower arms and the torso). Exposed in ``geom_positions``.
    """

    env_id: str
    title: str
    summary: str
    root: Literal["planar", "free"]
    joint_docs: dict[str, str]
    body_docs: dict[str, str]
    contact_bodies: list[str]
    action_docs: dict[int, str]
    notes: list[str] = field(default_factory=list)
    body_aliases: dict[int, str] = field(default_factory=dict)
    torso: str = "torso"
    point_docs: dict[str, str] = field(default_factory=dict)


def _quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (B,3) by unit quaternions ``q`` (B,4, w x y z)."""
    w, u = q[:, :1], q[:, 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def _torso_up(q: np.ndarray) -> np.ndarray:
    """World z of the torso's local z axis: 1 upright, -1 upside down."""
    return 1.0 - 2.0 * (q[:, 1] ** 2 + q[:, 2] ** 2)


def _point_doc(model: Any, geom: int, doc: str) -> str:
    """``doc`` plus the part's size read off the model, so "the top of the head" is computable."""
    if model.geom_type[geom] == mujoco.mjtGeom.mjGEOM_SPHERE:
        return f"{doc}, a sphere of radius {model.geom_size[geom, 0]:.2f} m"
    return doc


def build_locomotion_description(spec: LocomotionSpec, model: Any, dt: float) -> EnvDescription:
    """Compile a :class:`LocomotionSpec` against the MuJoCo model into an EnvDescription.

    Fields that select raw values return views of the snapshot, not copies: the snapshot is
    sealed (read-only for good, see :mod:`rewardsmith.contract.state`), so a view cannot be
    written through, and the state seals whatever a field computes afresh.
    """
    obj = mujoco.mjtObj
    nbody = model.nbody

    def body_name(i: int) -> str | None:
        return spec.body_aliases.get(i) or mujoco.mj_id2name(model, obj.mjOBJ_BODY, i)

    body_ids = {body_name(i): i for i in range(nbody)}
    torso = body_ids[spec.torso]
    joints = {}
    for j in range(model.njnt):
        name = mujoco.mj_id2name(model, obj.mjOBJ_JOINT, j)
        if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE and name in spec.joint_docs:
            joints[name] = (int(model.jnt_qposadr[j]), int(model.jnt_dofadr[j]))
    missing = set(spec.joint_docs) - set(joints)
    if missing:
        raise ValueError(f"{spec.env_id}: joints {sorted(missing)} not found in the MuJoCo model")
    bodies = {name: body_ids[name] for name in spec.body_docs}
    contact_ids = {name: body_ids[name] for name in spec.contact_bodies}

    is_floor = np.zeros(model.ngeom, dtype=bool)
    is_floor[model.geom_bodyid == 0] = True  # everything on the world body is ground
    geom_body = model.geom_bodyid.copy()

    points = {name: mujoco.mj_name2id(model, obj.mjOBJ_GEOM, name) for name in spec.point_docs}
    unknown = sorted(name for name, i in points.items() if i < 0)
    if unknown:
        raise ValueError(f"{spec.env_id}: geoms {unknown} not found in the MuJoCo model")
    point_ids = np.array(list(points.values()), dtype=int)

    layout = build_layout([
        ("qpos", (model.nq,)), ("qvel", (model.nv,)), ("xpos", (nbody, 3)),
        ("torso_quat", (4,)), ("contact", (nbody,)), ("time", (1,)),
        ("geom_xpos", (len(points), 3)),
    ])

    def snapshot(data: Any) -> np.ndarray:
        return np.concatenate((data.qpos, data.qvel, data.xpos.ravel(), data.xquat[torso],
                               contact_flags(data, is_floor, geom_body, nbody), (data.time,),
                               data.geom_xpos[point_ids].ravel()))

    if spec.root == "planar":  # qvel starts (x, z, pitch) velocities: on the hot path
        def lin_vel(raw: RawBatch) -> np.ndarray:
            out = np.zeros((raw.batch_size, 3))
            out[:, ::2] = raw.qvel[:, :2]
            return out

        def ang_vel(raw: RawBatch) -> np.ndarray:
            out = np.zeros((raw.batch_size, 3))
            out[:, 1] = raw.qvel[:, 2]
            return out
    else:
        def lin_vel(raw: RawBatch) -> np.ndarray:
            return raw.qvel[:, 0:3]

        def ang_vel(raw: RawBatch) -> np.ndarray:  # free-joint angular velocity is body-local
            return _quat_rotate(raw.torso_quat, raw.qvel[:, 3:6])

    fields = [
        Field("torso_position", "(B, 3)", "m", "position of the torso's centre in the world frame "
              "(x forward, y left, z up); each episode starts with x and y near 0",
              lambda r: r.xpos[:, torso, :]),
        Field("torso_height", "(B,)", "m", "height of the torso's centre above the floor (z)",
              lambda r: r.xpos[:, torso, 2]),
        Field("torso_velocity", "(B, 3)", "m/s", "linear velocity of the torso in the world frame; "
              "[:, 0] is forward speed (+x), [:, 2] vertical speed", lin_vel),
        Field("torso_angular_velocity", "(B, 3)", "rad/s", "angular velocity of the torso in the "
              "world frame (right-hand rule about x, y, z)", ang_vel),
        Field("torso_orientation", "(B, 4)", "quaternion", "orientation of the torso (w, x, y, z); "
              "(1, 0, 0, 0) is the starting orientation", lambda r: r.torso_quat),
        Field("torso_up", "(B,)", "unitless", "z component of the torso's up axis: 1 upright, "
              "0 lying on its side or nose, -1 upside down", lambda r: _torso_up(r.torso_quat)),
    ]
    if spec.root == "planar":
        fields.append(Field("torso_pitch", "(B,)", "rad", "cumulative rotation of the torso about "
                            "the y axis since the start (not wrapped; positive tips the front "
                            "down; one full backflip changes it by -2*pi)",
                            lambda r: r.qpos[:, 2]))
    fields += [
        Field("joint_angles", "dict[str, (B,)]", "rad", "hinge angle of each joint, 0 at the "
              "model's rest pose", mapping_field({n: a for n, (a, _) in joints.items()},
                                                 lambda r, i: r.qpos[:, i])),
        Field("joint_velocities", "dict[str, (B,)]", "rad/s", "angular velocity of each joint",
              mapping_field({n: d for n, (_, d) in joints.items()}, lambda r, i: r.qvel[:, i])),
        Field("body_positions", "dict[str, (B, 3)]", "m", "world position of each body's frame",
              mapping_field(bodies, lambda r, i: r.xpos[:, i, :])),
        Field("contacts", "dict[str, (B,)]", "bool", "True where that body touches the floor",
              mapping_field(contact_ids, lambda r, i: r.contact[:, i] > 0.5)),
    ]
    if points:
        described = "; ".join(f"{name}: {_point_doc(model, i, spec.point_docs[name])}"
                              for name, i in points.items())
        fields.append(Field("geom_positions", "dict[str, (B, 3)]", "m", "world position of the "
                            f"centre of each named part ({described})",
                            mapping_field({n: k for k, n in enumerate(points)},
                                          lambda r, k: r.geom_xpos[:, k, :])))
    fields += [
        Field("dt", "float", "s", "duration of one environment step (the time between state and "
              "next_state)", lambda r: dt),
        Field("time", "(B,)", "s", "time since the episode began: 0 at the reset, dt more each "
              "step (with torso_position, the mean speed so far)", lambda r: r.time[:, 0]),
    ]

    actions = []
    for i in range(model.nu):
        joint_id = int(model.actuator_trnid[i, 0])
        name = mujoco.mj_id2name(model, obj.mjOBJ_JOINT, joint_id)
        low, high = model.actuator_ctrlrange[i]
        actions.append(ActionRow(i, spec.action_docs.get(i, f"torque on {name}"), float(low),
                                 float(high), name))
    return EnvDescription(
        env_id=spec.env_id, title=spec.title, summary=spec.summary, fields=fields,
        actions=actions, notes=spec.notes, layout=layout, snapshot_fn=snapshot,
        joint_names=list(spec.joint_docs), body_names=list(spec.body_docs),
        contact_names=list(spec.contact_bodies), dt=dt,
        joint_docs=dict(spec.joint_docs), body_docs=dict(spec.body_docs),
    )
