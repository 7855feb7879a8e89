"""Every built-in fitness says what its name says, shown on constructed states of the real models.

The humanoid's poses are built joint by joint on the real MuJoCo model, then lowered onto the
floor by bisection on the root height until the lowest geom just touches it (and where a pose
needs a second support, a joint is bent by bisection until that part touches too), so every
contact the fitness reads is one MuJoCo's collision detection really reports. The state is read
through the env's own description, exactly as during training and evaluation. The planar robots
and the ant get a set velocity; a short physics step then confirms that the sign the fitness
rewards is the way the body really moves.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import gymnasium as gym
import mujoco
import numpy as np
import pytest

from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.resources import resource_dir

HUMANOID_TASKS = ("humanoid-stand", "humanoid-kneel", "humanoid-raise-arms")

# Right-arm angles in degrees (shoulder1, shoulder2, elbow); the left arm mirrors them. Found by
# scanning the joint ranges on the model: the hand hangs 0.61 m below the shoulder, sticks out
# 0.61 m sideways at shoulder height, reaches its highest point (0.25 m above the head's top),
# or 0.39 m above the shoulder and 0.47 m out to the side (a V).
ARMS_DOWN = (50, -35, -90)
ARMS_T = (-50, -35, -85)
ARMS_UP = (-85, 20, -90)
ARMS_V = (-85, -15, -85)
ELBOWS_UP_FOREARMS_DOWN = (-85, 50, 50)
ARMS_REST = (0, 0, 0)
ARM_JOINTS = ("shoulder1", "shoulder2", "elbow")


def _arm(side: str, angles: tuple[float, float, float]) -> dict[str, float]:
    """Joint angles of one arm; the left arm's shoulder axes are the right's mirrored in y."""
    sign = 1 if side == "right" else -1
    return {f"{side}_shoulder1": sign * angles[0], f"{side}_shoulder2": sign * angles[1],
            f"{side}_elbow": angles[2]}


def _body(arms: tuple = ARMS_REST, *, hip: float = 0.0, knee: float = -2.0,
          left_arm: tuple | None = None, **joints: float) -> dict[str, float]:
    """A symmetric pose (both legs alike: the XML mirrors their axes) in degrees."""
    pose = {f"{side}_{name}": value for side in ("right", "left")
            for name, value in (("hip_y", hip), ("knee", knee))}
    pose.update(_arm("right", arms))
    pose.update(_arm("left", arms if left_arm is None else left_arm))
    pose.update(joints)
    return pose


def _lerp(a: tuple, b: tuple, t: float) -> tuple:
    return tuple((1 - t) * x + t * y for x, y in zip(a, b, strict=True))


class Poser:
    """One real env of a task whose MuJoCo state the test sets by hand."""

    def __init__(self, task_id: str):
        task = get_task(task_id)
        self.env = gym.make(task.env_id, **task.env_kwargs)
        self.env.reset(seed=0)
        self.model, self.data = self.env.unwrapped.model, self.env.unwrapped.data
        self.description = get_description(task.env_id)
        self.root_z = 0.0
        self.tilt = (0.0, 0.0)
        self.joints: dict[str, float] = {}

    def qpos_address(self, joint: str) -> int:
        return int(self.model.joint(joint).qposadr[0])

    def set(self, joints: dict[str, float] | None = None, *, pitch: float | None = None,
            roll: float | None = None, z: float | None = None) -> None:
        """Pose the humanoid: joint angles and torso pitch/roll in degrees, root height in m.

        Positive pitch tips the torso forward (about +y), positive roll tips it to its right.
        Arguments left out keep their last value; velocities are zero.
        """
        if joints is not None:
            self.joints = dict(joints)
        pitch = self.tilt[0] if pitch is None else pitch
        roll = self.tilt[1] if roll is None else roll
        self.tilt = (pitch, roll)
        self.root_z = self.root_z if z is None else z
        data, model = self.data, self.model
        data.qpos[:] = model.qpos0
        data.qvel[:] = 0.0
        for name, degrees in self.joints.items():
            data.qpos[self.qpos_address(name)] = np.radians(degrees)
        q_pitch, q_roll = np.zeros(4), np.zeros(4)
        mujoco.mju_axisAngle2Quat(q_pitch, [0.0, 1.0, 0.0], np.radians(pitch))
        mujoco.mju_axisAngle2Quat(q_roll, [1.0, 0.0, 0.0], np.radians(roll))
        mujoco.mju_mulQuat(data.qpos[3:7], q_pitch, q_roll)
        data.qpos[2] = self.root_z
        mujoco.mj_forward(model, data)

    def floor_contact(self) -> bool:
        geoms = self.data.contact.geom[:self.data.ncon]
        floor = self.model.geom("floor").id
        return bool(np.any(geoms == floor))

    def drop_to_floor(self) -> None:
        """Bisect the root height until the lowest geom just touches the floor (within 1e-6 m)."""
        low, high = -1.0, 3.0  # touching at `low`, in the air at `high`
        while high - low > 1e-6:
            self.set(z=(low + high) / 2)
            if self.floor_contact():
                low = self.root_z
            else:
                high = self.root_z
        self.set(z=low)
        assert self.floor_contact()

    def bend_until_touching(self, bodies: set[str], pose_at: Callable[[float], None], *,
                            drop: bool = False) -> float:
        """Bisect ``t`` in [0, 1] until one of ``bodies`` just touches the floor; return ``t``.

        ``pose_at(t)`` poses the body (through :meth:`set`); ``t = 0`` must not touch,
        ``t = 1`` must. With ``drop``, each try is lowered onto the floor first, so the part
        that touched before keeps touching while the new one comes down.
        """
        def touching(t: float) -> bool:
            pose_at(t)
            if drop:
                self.drop_to_floor()
            return bool(self.touching() & bodies)

        low, high = 0.0, 1.0
        assert not touching(low) and touching(high), f"{bodies} must touch at t=1 only"
        while high - low > 1e-7:
            middle = (low + high) / 2
            low, high = (low, middle) if touching(middle) else (middle, high)
        touching(high)
        return high

    def state(self):
        return self.description.state_from_snapshots(self.description.snapshot(self.data)[None])

    def touching(self) -> set[str]:
        return {name for name, flag in self.state().contacts.items() if flag[0]}

    def fitness(self, task_id: str) -> float:
        state = self.state()
        value = np.asarray(get_task(task_id).fitness(state, np.zeros((1, self.model.nu)), state))
        assert value.shape == (1,)
        return float(value[0])

    def geom_z(self, name: str) -> float:
        return float(self.data.geom_xpos[self.model.geom(name).id, 2])

    def body_z(self, name: str) -> float:
        return float(self.data.xpos[self.model.body(name).id, 2])


@pytest.fixture(scope="module")
def humanoid() -> Poser:
    poser = Poser("humanoid-stand")
    yield poser
    poser.env.close()


# --- the humanoid's poses -------------------------------------------------------------------

def standing_upright(h: Poser) -> None:
    h.set(_body(ARMS_DOWN), pitch=0, roll=0)
    h.drop_to_floor()


def standing_arms_straight_up(h: Poser) -> None:
    h.set(_body(ARMS_UP), pitch=0, roll=0)
    h.drop_to_floor()


def standing_arms_up_in_a_v(h: Poser) -> None:
    h.set(_body(ARMS_V), pitch=0, roll=0)
    h.drop_to_floor()


def standing_knees_bent_arms_up(h: Poser) -> None:
    # Hips and knees bent 20 and 40 degrees keep the thighs and shins symmetric about vertical.
    h.set(_body(ARMS_UP, hip=-20, knee=-40), pitch=0, roll=0)
    h.drop_to_floor()


def standing_one_arm_up(h: Poser) -> None:
    h.set(_body(ARMS_UP, left_arm=ARMS_DOWN), pitch=0, roll=0)
    h.drop_to_floor()


def standing_t_pose(h: Poser) -> None:
    h.set(_body(ARMS_T), pitch=0, roll=0)
    h.drop_to_floor()


def standing_elbows_up_hands_below_head(h: Poser) -> None:
    h.set(_body(ELBOWS_UP_FOREARMS_DOWN), pitch=0, roll=0)
    h.drop_to_floor()


def kneeling_upright(h: Poser, arms: tuple = ARMS_DOWN) -> None:
    # Thighs vertical, shins back along the floor: at -95 degrees the shin rises 5 degrees toward
    # the foot, so the knee end of the shin is the lowest point (the foot sphere is wider).
    h.set(_body(arms, knee=-95), pitch=0, roll=0)
    h.drop_to_floor()


def kneeling_arms_up(h: Poser) -> None:
    kneeling_upright(h, ARMS_UP)


def kneeling_on_the_heels(h: Poser) -> None:
    # Sitting back: thighs 60 degrees forward of vertical, knees fully bent, shins on the floor.
    h.set(_body(ARMS_DOWN, hip=-60, knee=-160), pitch=0, roll=0)
    h.drop_to_floor()


def kneeling_on_one_knee(h: Poser) -> None:
    # Right knee down; left thigh forward and left foot planted: bend the left hip until it lands.
    base = _body(ARMS_DOWN, knee=-95, left_hip_y=-110, left_knee=-90)
    h.set(base, pitch=0, roll=0)
    h.drop_to_floor()
    h.bend_until_touching({"left_foot"},
                          lambda t: h.set({**base, "left_hip_y": -110 + 50 * t}))


def kneeling_hand_on_the_floor(h: Poser, lift: float = 0.0) -> None:
    """Kneeling on the heels, chest upright but leaning 30 degrees right, right hand down.

    The pelvis is kept level (abdomen_x against the roll) and its tilt bisected until both knees
    rest on the floor; then the right arm swings from raised to its lowest reach until the hand
    touches. ``lift`` > 0 stops the hand that much short of the floor (in bisection units).
    """
    raised, lowest = ARMS_T, (20, -45, -90)
    base = _body(ARMS_T, hip=-60, knee=-160)
    # At abdomen_x = -30 the right knee is a hair lower, at -35 the left one: find the level.
    h.set(pitch=0, roll=30)
    h.bend_until_touching({"left_shin"}, lambda t: h.set({**base, "abdomen_x": -30 - 5 * t}),
                          drop=True)
    base = dict(h.joints)
    t = h.bend_until_touching(
        {"right_lower_arm"}, lambda t: h.set({**base, **_arm("right", _lerp(raised, lowest, t))}))
    if lift:
        h.set({**base, **_arm("right", _lerp(raised, lowest, t - lift))})


def kneeling_hand_just_above_the_floor(h: Poser) -> None:
    kneeling_hand_on_the_floor(h, lift=0.02)


def sitting_on_the_floor(h: Poser) -> None:
    # Seat first with the legs raised, then lower the straight legs until the heels land.
    h.set(_body(ARMS_REST, hip=-110), pitch=0, roll=0)
    h.drop_to_floor()
    h.bend_until_touching({"right_foot", "left_foot"},
                          lambda t: h.set(_body(ARMS_REST, hip=-110 + 30 * t)))


def crouching(h: Poser) -> None:
    h.set(_body(ARMS_REST, hip=-100, knee=-130), pitch=0, roll=0)
    h.drop_to_floor()


def lying_on_the_back(h: Poser) -> None:
    # Face up with the arms along the body: flat, the seat is lowest; tip the head back until
    # the chest and head rest on the floor too.
    h.set(_body(ARMS_DOWN), pitch=-90, roll=0)
    h.bend_until_touching({"torso"}, lambda t: h.set(pitch=-90 - 10 * t), drop=True)


def lying_on_the_front(h: Poser) -> None:
    h.set(_body(ARMS_DOWN), pitch=90, roll=0)
    h.drop_to_floor()


# pose -> (what it rests on, what stand / kneel / raise-arms must say)
POSES = {
    "standing upright": (standing_upright, {"right_foot", "left_foot"}, (1, 0, 0)),
    "standing with both arms straight up": (standing_arms_straight_up,
                                            {"right_foot", "left_foot"}, (1, 0, 1)),
    "standing with arms up in a V": (standing_arms_up_in_a_v, {"right_foot", "left_foot"},
                                     (1, 0, 1)),
    "standing with knees bent and arms up": (standing_knees_bent_arms_up,
                                             {"right_foot", "left_foot"}, (1, 0, 1)),
    "standing with one arm up": (standing_one_arm_up, {"right_foot", "left_foot"}, (1, 0, 0)),
    "standing in a T-pose": (standing_t_pose, {"right_foot", "left_foot"}, (1, 0, 0)),
    "standing with elbows up and hands below the head": (
        standing_elbows_up_hands_below_head, {"right_foot", "left_foot"}, (1, 0, 0)),
    "kneeling upright on both knees": (kneeling_upright, {"right_shin", "left_shin"}, (0, 1, 0)),
    "kneeling with both arms up": (kneeling_arms_up, {"right_shin", "left_shin"}, (0, 1, 0)),
    "kneeling back on the heels": (kneeling_on_the_heels, {"right_shin", "left_shin"},
                                   (0, 1, 0)),
    "kneeling on one knee": (kneeling_on_one_knee, {"right_shin", "left_foot"}, (0, 0, 0)),
    "kneeling with a hand on the floor": (kneeling_hand_on_the_floor,
                                          {"right_shin", "left_shin", "right_lower_arm"},
                                          (0, 0, 0)),
    "kneeling with a hand just above the floor": (kneeling_hand_just_above_the_floor,
                                                  {"right_shin", "left_shin"}, (0, 1, 0)),
    # This model's hip joints sit 1 cm below the seat capsule, so it sits on its upper thighs.
    "sitting on the floor": (sitting_on_the_floor,
                             {"right_thigh", "left_thigh", "right_foot", "left_foot"}, (0, 0, 0)),
    "crouching": (crouching, {"right_foot", "left_foot"}, (0, 0, 0)),
    "lying on the back": (lying_on_the_back, {"pelvis", "torso"}, (0, 0, 0)),
    "lying on the front": (lying_on_the_front, None, (0, 0, 0)),
}


@pytest.mark.parametrize("name", list(POSES))
def test_each_constructed_pose_rests_on_the_floor_where_its_name_says(humanoid, name):
    build, rests_on, _ = POSES[name]
    build(humanoid)
    touching = humanoid.touching()
    state = humanoid.state()
    if rests_on is not None:
        assert touching == rests_on, (name, touching)
    else:  # face down: the chest and the arms under it carry the body
        assert "torso" in touching, touching
    up = float(state.torso_up[0])
    if name.startswith("lying"):
        assert abs(up) < 0.2 and state.torso_height[0] < 0.3, (up, state.torso_height)
    else:
        assert up > 0.8, up  # every other pose keeps the chest upright


@pytest.mark.parametrize("name", list(POSES))
def test_humanoid_fitnesses_say_one_exactly_where_the_pose_name_is_true(humanoid, name):
    build, _, expected = POSES[name]
    build(humanoid)
    said = tuple(humanoid.fitness(task) for task in HUMANOID_TASKS)
    assert said == tuple(float(e) for e in expected), dict(zip(HUMANOID_TASKS, said,
                                                               strict=True))


def test_every_humanoid_task_is_shown_on_at_least_three_poses_each_way():
    for i, task in enumerate(HUMANOID_TASKS):
        says = [expected[i] for _, _, expected in POSES.values()]
        assert says.count(1) >= 3 and says.count(0) >= 3, (task, says)


def test_kneel_fitness_is_zero_when_hands_touch_the_floor(humanoid):
    kneeling_hand_on_the_floor(humanoid)
    state = humanoid.state()
    # Everything else kneeling asks for holds: both knees down, chest upright, no trunk contact.
    assert state.contacts["right_shin"][0] and state.contacts["left_shin"][0]
    assert state.torso_up[0] > 0.8
    assert not (state.contacts["torso"][0] or state.contacts["pelvis"][0]
                or state.contacts["lwaist"][0])
    assert state.contacts["right_lower_arm"][0]  # the hand geom belongs to the lower arm
    assert humanoid.fitness("humanoid-kneel") == 0.0
    kneeling_hand_just_above_the_floor(humanoid)
    assert humanoid.geom_z("right_hand") - 0.04 < 0.05  # the hand hovers just over the floor
    assert humanoid.fitness("humanoid-kneel") == 1.0


def test_raise_arms_fitness_is_zero_with_elbows_up_and_hands_below_the_head(humanoid):
    standing_elbows_up_hands_below_head(humanoid)
    torso = float(humanoid.state().torso_height[0])
    head_top = humanoid.geom_z("head") + float(humanoid.model.geom("head").size[0])
    for side in ("right", "left"):
        assert humanoid.body_z(f"{side}_lower_arm") > torso + 0.1  # the elbow is high ...
        assert humanoid.geom_z(f"{side}_hand") < head_top - 0.2  # ... the hand is not
    assert humanoid.fitness("humanoid-raise-arms") == 0.0


def test_raise_arms_fitness_turns_on_when_both_hands_pass_the_top_of_the_head(humanoid):
    # Sweep both arms from the T-pose to straight up: the fitness must switch on exactly where
    # MuJoCo puts both hand centres above the head sphere's highest point.
    head_radius = float(humanoid.model.geom("head").size[0])
    seen = set()
    for t in np.linspace(0.0, 1.0, 41):
        humanoid.set(_body(_lerp(ARMS_T, ARMS_UP, t)), pitch=0, roll=0, z=1.4)
        head_top = humanoid.geom_z("head") + head_radius
        above = min(humanoid.geom_z("right_hand"), humanoid.geom_z("left_hand")) > head_top
        assert humanoid.fitness("humanoid-raise-arms") == float(above), t
        seen.add(above)
    assert seen == {True, False}


def test_humanoid_fitnesses_score_each_row_of_a_batch_on_its_own(humanoid):
    names = list(POSES)
    snapshots, expected = [], []
    for name in names:
        POSES[name][0](humanoid)
        snapshots.append(humanoid.description.snapshot(humanoid.data))
        expected.append(POSES[name][2])
    state = humanoid.description.state_from_snapshots(np.stack(snapshots))
    action = np.zeros((len(names), humanoid.model.nu))
    for i, task in enumerate(HUMANOID_TASKS):
        said = np.asarray(get_task(task).fitness(state, action, state))
        assert said.shape == (len(names),)
        assert said.tolist() == [float(e[i]) for e in expected], task


# --- speed, flip and balance ----------------------------------------------------------------

# task -> the sign of forward (+x) velocity the fitness rewards
SPEED_TASKS = {"cheetah-run": 1, "cheetah-run-backwards": -1, "hopper-hop": 1,
               "hopper-hop-backwards": -1, "walker-walk": 1, "walker-walk-backwards": -1,
               "ant-run": 1}


def _step_physics(poser: Poser) -> None:
    """One env step of physics with the motors off."""
    poser.data.ctrl[:] = 0.0
    mujoco.mj_step(poser.model, poser.data, nstep=poser.env.unwrapped.frame_skip)


@pytest.mark.parametrize("task_id", list(SPEED_TASKS))
@pytest.mark.parametrize("speed", [2.5, -1.5])
def test_speed_fitness_is_the_torso_speed_in_the_direction_the_task_names(task_id, speed):
    poser = Poser(task_id)
    try:
        poser.data.qvel[:] = 0.0
        poser.data.qvel[0] = speed  # rootx slide (planar) or the free joint's world x velocity
        mujoco.mj_forward(poser.model, poser.data)
        said = poser.fitness(task_id)
        assert said == pytest.approx(SPEED_TASKS[task_id] * speed, abs=1e-12)
        # The x the fitness reads is the way the torso really moves (+x is the robot's front).
        x0 = poser.data.xpos[poser.model.body("torso").id, 0]
        _step_physics(poser)
        moved = (poser.data.xpos[poser.model.body("torso").id, 0] - x0) / poser.env.unwrapped.dt
        assert np.sign(moved) == np.sign(speed) and abs(moved) > 0.5 * abs(speed), moved
    finally:
        poser.env.close()


@pytest.mark.parametrize("task_id", list(SPEED_TASKS))
def test_speed_on_its_back_counts_as_standing_still(task_id):
    poser = Poser(task_id)
    try:
        poser.data.qvel[:] = 0.0
        poser.data.qvel[0] = 2.5 * SPEED_TASKS[task_id]  # the way the task names, fast
        if poser.model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE:
            poser.data.qpos[3:7] = [0.0, 1.0, 0.0, 0.0]  # half a turn about x: legs up
        else:
            poser.data.qpos[2] = np.pi  # rooty: half a turn about y
        mujoco.mj_forward(poser.model, poser.data)
        assert poser.state().torso_up[0] < -0.99
        assert poser.fitness(task_id) == 0.0
        tipped = np.pi / 3  # 60 degrees off upright, on its feet still
        if poser.model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE:
            poser.data.qpos[3:7] = [np.cos(tipped / 2), np.sin(tipped / 2), 0.0, 0.0]
        else:
            poser.data.qpos[2] = tipped
        mujoco.mj_forward(poser.model, poser.data)
        assert poser.fitness(task_id) == pytest.approx(2.5, abs=1e-12)
    finally:
        poser.env.close()


def _ant_run_ends(quat: list[float], steps: int = 300) -> tuple[bool, float]:
    """Let ant-run's own env (its settings) fall from 0.8 m in orientation ``quat`` with the
    motors off: whether the env ended the episode, and the torso's up axis where it stopped."""
    task = get_task("ant-run")
    env = gym.make(task.env_id, **task.env_kwargs)
    try:
        env.reset(seed=0)
        unwrapped = env.unwrapped
        qpos, qvel = unwrapped.data.qpos.copy(), np.zeros(unwrapped.model.nv)
        qpos[2], qpos[3:7] = 0.8, quat
        unwrapped.set_state(qpos, qvel)
        for _ in range(steps):
            _, _, terminated, _, _ = env.step(np.zeros(env.action_space.shape))
            if terminated:
                break
        up = get_description(task.env_id).state_from_snapshots(
            get_description(task.env_id).snapshot(unwrapped.data)[None]).torso_up[0]
        return terminated, float(up)
    finally:
        env.close()


def test_ant_run_ends_the_episode_on_a_flip_and_not_on_slack_legs():
    # On its back the ant rests at 0.27 m, above Ant-v5's own 0.2 m floor; ant-run's 0.31 m
    # ends that episode. Right side up with the motors off it sinks to 0.38 m and goes on.
    assert _ant_run_ends([0.0, 1.0, 0.0, 0.0]) == (True, pytest.approx(-1.0, abs=0.2))
    ended, up = _ant_run_ends([1.0, 0.0, 0.0, 0.0])
    assert not ended and up > 0.9


@pytest.mark.parametrize("pitch_rate", [-3.0, 2.0])
def test_flip_fitness_is_positive_only_when_the_nose_turns_up_and_over_backwards(pitch_rate):
    poser = Poser("cheetah-flip")
    try:
        poser.data.qpos[1] = 1.0  # lift it clear of the floor so nothing resists the turn
        poser.data.qvel[:] = 0.0
        poser.data.qvel[2] = pitch_rate  # rooty: rotation about +y
        mujoco.mj_forward(poser.model, poser.data)
        said = poser.fitness("cheetah-flip")
        assert said == pytest.approx(-pitch_rate, abs=1e-12)

        def nose_above_tail() -> float:
            return poser.geom_z("head") - poser.body_z("bthigh")

        before = nose_above_tail()
        _step_physics(poser)
        nose_rose = nose_above_tail() > before
        assert nose_rose == (said > 0), (said, before, nose_above_tail())
    finally:
        poser.env.close()


@pytest.mark.parametrize("angle, balanced", [(0.0, True), (0.15, True), (-0.1, True),
                                             (0.3, False), (-0.25, False), (1.2, False)])
def test_balance_fitness_is_one_for_an_upright_pole_and_zero_for_a_tilted_one(angle, balanced):
    poser = Poser("pendulum-balance")
    try:
        poser.data.qpos[:] = 0.0
        poser.data.qpos[poser.qpos_address("hinge")] = angle
        poser.data.qvel[:] = 0.0
        mujoco.mj_forward(poser.model, poser.data)
        assert poser.fitness("pendulum-balance") == float(balanced)
        # The angle the fitness reads is the pole's tilt from vertical: the tip drops with it.
        # The pole capsule starts at the hinge, so its centre shows where the pole points.
        centre = poser.data.geom_xpos[poser.model.geom("cpole").id]
        pole = centre - poser.data.xanchor[poser.model.joint("hinge").id]
        tilt = np.degrees(np.arccos(pole[2] / np.linalg.norm(pole)))
        assert tilt == pytest.approx(abs(np.degrees(angle)), abs=0.1)  # the model's pole leans
        # 0.1 degrees at rest (its fromto is 0.001 m off vertical)
    finally:
        poser.env.close()


def test_every_shipped_task_has_its_fitness_shown_on_constructed_states():
    shipped = set()
    for path in sorted((resource_dir("envs") / "tasks").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"shipped_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        shipped |= {task.id for task in module.TASKS}
    shown = set(HUMANOID_TASKS) | set(SPEED_TASKS) | {"cheetah-flip", "pendulum-balance"}
    assert shipped == shown, f"add tests here for {sorted(shipped - shown)}"
