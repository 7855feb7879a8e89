"""A reward cannot change the state that the task fitness, the env's reward or the infos report.

The fitness used to be computed from the very arrays the reward had just received, so a reward
that wrote into them (``backward = next_state.torso_velocity[:, 0]; backward *= -1.0``) flipped
the task score's sign. Here hostile rewards write in place in every way we know, on real MuJoCo
(HalfCheetah-v5, four envs, 300 steps of fixed random actions), and what ``VecRewardWrapper`` and
the rollout loop report must equal an honest recomputation: a plain gymnasium rollout with the
same seeds and actions that reads the same quantities straight from ``MjData``.

Two layers hold: the arrays a reward receives are sealed (read-only, backed by immutable
``bytes``, so numpy refuses the write and refuses to make them writable again), and the fitness
is computed first, from states and actions the reward never receives. The attacks that get past
numpy (``np.add.at`` on a 1-D array, which numpy 2.4 writes without checking the flag; a
writable alias made from the array's address; swapping a state's private cache) check the
second layer: their writes land, in the reward's own copy, and the score stays honest.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
import pytest

from rewardsmith import CaptureState, RewardWrapper, VecRewardWrapper, make_vec_env
from rewardsmith.contract.state import ReadOnlyDict, is_sealed, seal
from rewardsmith.envs.registry import get_description, get_task
from rewardsmith.rl.rollout import run_episodes

ENV = "HalfCheetah-v5"
N_ENVS, STEPS, SEED = 4, 300, 7
FORGED = 25.0  # what a forging reward writes: a cheetah-run score far above success (3.0)
ACTIONS = np.random.default_rng(SEED).uniform(-1.0, 1.0, (STEPS, N_ENVS, 6))


def fitness(state: Any, action: np.ndarray, next_state: Any) -> np.ndarray:
    """A task fitness reading every kind of field: vectors, scalars, mappings, the action."""
    return (next_state.torso_velocity[:, 0] + 0.5 * state.torso_height
            + 0.1 * next_state.joint_angles["bthigh"]
            + 0.1 * next_state.body_positions["ffoot"][:, 2]
            - 0.01 * np.sum(action ** 2, axis=1))


def honest_rollout(steps: int = STEPS) -> dict[str, np.ndarray]:
    """Per env and step: the fitness above, cheetah-run's and the env's reward, from MjData."""
    out = {"fitness": np.zeros((N_ENVS, steps)), "env_reward": np.zeros((N_ENVS, steps)),
           "run": np.zeros((N_ENVS, steps))}
    for i in range(N_ENVS):
        env = gym.make(ENV, max_episode_steps=steps)
        env.reset(seed=SEED + i)
        model, data = env.unwrapped.model, env.unwrapped.data
        torso = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "torso")
        ffoot = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "ffoot")
        bthigh = model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, "bthigh")]
        for t in range(steps):
            height_before = data.xpos[torso, 2]
            _, reward, _, _, _ = env.step(ACTIONS[t, i])
            forward = data.qvel[0]  # rootx velocity: the planar torso's forward speed
            # cheetah-run counts the speed only right side up (rooty within a quarter turn)
            out["run"][i, t] = forward if np.cos(data.qpos[2]) > 0.0 else 0.0
            out["fitness"][i, t] = (forward + 0.5 * height_before + 0.1 * data.qpos[bthigh]
                                    + 0.1 * data.xpos[ffoot, 2]
                                    - 0.01 * np.sum(ACTIONS[t, i] ** 2))
            out["env_reward"][i, t] = reward
        env.close()
    return out


@pytest.fixture(scope="module")
def honest() -> dict[str, np.ndarray]:
    return honest_rollout()


# --- the attacks: each tries to write FORGED into what the fitness reads ---------------------

def _refused(write: Callable[[], Any]) -> bool:
    """Run one write attempt: True when it raised (refused), False when it went through."""
    try:
        write()
    except (ValueError, TypeError, AttributeError):
        return True
    return False


def _targets(state: Any, action: np.ndarray, next_state: Any) -> list[np.ndarray]:
    """The arrays the fitness reads, as the reward receives them (views included)."""
    return [next_state.torso_velocity, next_state.torso_velocity[:, 0], state.torso_height,
            next_state.joint_angles["bthigh"], next_state.body_positions["ffoot"][:, 2], action]


def _each(write: Callable[[np.ndarray], Any]) -> Callable[..., list[bool]]:
    def attack(state, action, next_state, memory):
        return [_refused(lambda t=t: write(t)) for t in _targets(state, action, next_state)]
    return attack


def _augmented(t: np.ndarray) -> None:
    t *= -1.0
    t += FORGED


def _setflags(t: np.ndarray) -> None:
    t.setflags(write=True)
    t[...] = FORGED


def _bases(t: np.ndarray) -> None:
    base = t.base
    while base is not None:
        if isinstance(base, np.ndarray):
            base.setflags(write=True)
            base.fill(FORGED)
            base = base.base
        else:  # the bytes behind a sealed array: immutable, nothing writes to it
            base = None
    t.setflags(write=True)


def _other_methods(state, action, next_state, memory):
    attempts = []
    for t in _targets(state, action, next_state):
        attempts += [_refused(lambda t=t: t.fill(FORGED)),
                     _refused(lambda t=t: np.putmask(t, np.ones(t.shape, bool), FORGED)),
                     _refused(lambda t=t: np.place(t, np.ones(t.shape, bool), [FORGED])),
                     _refused(lambda t=t: t.sort()),
                     _refused(lambda t=t: np.negative(t, out=t))]
    return attempts


def _replace_attributes(state, action, next_state, memory):
    fake = np.full((N_ENVS, 3), FORGED)
    return [_refused(lambda: next_state.__dict__.__setitem__("torso_velocity", fake)),
            _refused(lambda: setattr(next_state, "torso_velocity", fake)),
            _refused(lambda: setattr(state, "torso_height", fake[:, 0])),
            _refused(lambda: delattr(next_state, "torso_velocity"))]


def _mapping_fields(state, action, next_state, memory):
    angles, positions = next_state.joint_angles, next_state.body_positions
    return [_refused(lambda: angles["bthigh"].__setitem__(slice(None), FORGED)),
            _refused(lambda: positions["ffoot"].__setitem__((slice(None), 2), FORGED)),
            _refused(lambda: angles.__setitem__("bthigh", np.full(N_ENVS, FORGED))),
            _refused(lambda: angles.update(bthigh=np.full(N_ENVS, FORGED))),
            _refused(lambda: angles.pop("bthigh")),
            _refused(lambda: angles.setdefault("new", 1.0)),
            _refused(lambda: angles.clear())]


def _action(state, action, next_state, memory):
    return [_refused(lambda: action.__imul__(0.0)),
            _refused(lambda: action.__setitem__(Ellipsis, FORGED)),
            _refused(lambda: np.copyto(action, FORGED)),
            _refused(lambda: action.setflags(write=True))]


def _kept_from_last_step(state, action, next_state, memory):
    kept, memory["kept"] = memory.get("kept", []), _targets(state, action, next_state)
    attempts = []
    for t in kept:  # arrays of the previous step, written while this step is scored
        attempts += [_refused(lambda t=t: t.__setitem__(Ellipsis, FORGED)),
                     _refused(lambda t=t: np.copyto(t, FORGED)),
                     _refused(lambda t=t: t.setflags(write=True))]
    return attempts or [True]


def _writable_alias(t: np.ndarray) -> np.ndarray:
    """A writable array over ``t``'s memory, built from its address: past every numpy check."""
    interface = dict(t.__array_interface__)
    interface["data"] = (interface["data"][0], False)
    holder = type("Alias", (), {"__array_interface__": interface})()
    return np.asarray(holder)


def _pointer_alias(state, action, next_state, memory):
    for t in _targets(state, action, next_state):
        _writable_alias(t)[...] = FORGED
    # It worked, in the reward's own copies: the reward now reads its forged values.
    assert next_state.torso_velocity[0, 0] == FORGED and action[0, 0] == FORGED
    return [False]


def _swap_private_cache(state, action, next_state, memory):
    fake = {"torso_velocity": np.full((N_ENVS, 3), FORGED), "torso_height": np.full(N_ENVS, 9.0)}
    object.__setattr__(next_state, "_cache", dict(fake))  # slots can be written this way
    state._cache.update(fake)
    dict.__setitem__(next_state.joint_angles, "bthigh", np.full(N_ENVS, FORGED))
    assert next_state.torso_velocity[0, 0] == FORGED  # the reward's own state object changed
    return [False]


# kind -> (attack, whether numpy refuses every attempt)
ATTACKS: dict[str, tuple[Callable[..., list[bool]], bool]] = {
    "augmented assignment": (_each(_augmented), True),
    "np.copyto": (_each(lambda t: np.copyto(t, FORGED)), True),
    "ufunc out=": (_each(lambda t: np.add(t, FORGED, out=t)), True),
    "np.put": (_each(lambda t: np.put(t, np.arange(t.size), FORGED)), True),
    "item assignment arr[...] =": (_each(lambda t: t.__setitem__(Ellipsis, FORGED)), True),
    "ndarray.__setitem__": (_each(lambda t: np.ndarray.__setitem__(t, Ellipsis, FORGED)), True),
    "setflags(write=True)": (_each(_setflags), True),
    ".base access": (_each(_bases), True),
    "as_strided(writeable=True)": (_each(lambda t: np.lib.stride_tricks.as_strided(
        t, writeable=True).__setitem__(Ellipsis, FORGED)), True),
    "other in-place methods (fill, putmask, place, sort)": (_other_methods, True),
    "state.__dict__ and attribute replacement": (_replace_attributes, True),
    "mapping fields": (_mapping_fields, True),
    "mutating action": (_action, True),
    "arrays kept from the previous step": (_kept_from_last_step, True),
    # numpy 2.4's ufunc.at fast path skips the read-only check on 1-D arrays: a write that
    # passes the static check (np.add.at is plain numpy) and lands, in the reward's own copy.
    "ufunc.at (np.add.at)": (_each(lambda t: np.add.at(t, 0, FORGED)), False),
    "writable alias from __array_interface__": (_pointer_alias, False),
    "private cache and dict.__setitem__": (_swap_private_cache, False),
}


def hostile_reward(attack: Callable[..., list[bool]]):
    """A reward that runs ``attack`` on every call, then rewards forward speed."""
    memory: dict[str, Any] = {"refused": 0, "accepted": 0}

    def compute_reward(state, action, next_state):
        for refused in attack(state, action, next_state, memory):
            memory["refused" if refused else "accepted"] += 1
        forward = np.array(next_state.torso_velocity[:, 0])
        return forward, {"forward": forward}

    return compute_reward, memory


def run_wrapped(reward_fn, fitness_fn=fitness, steps: int = STEPS):
    """Step VecRewardWrapper with the fixed actions; what it reports, per env."""
    venv = VecRewardWrapper(make_vec_env(ENV, N_ENVS, SEED, {"max_episode_steps": steps}),
                            reward_fn, fitness_fn=fitness_fn, horizon=steps)
    venv.reset()
    env_rewards, episode_fitness = np.zeros((N_ENVS, steps)), np.full(N_ENVS, np.nan)
    for t in range(steps):
        _, _, dones, infos = venv.step(ACTIONS[t].copy())
        for i, info in enumerate(infos):
            env_rewards[i, t] = info["original_env_rew"]
            if dones[i]:
                episode_fitness[i] = info["episode_fitness"]
    venv.close()
    return episode_fitness, env_rewards


@pytest.mark.parametrize("kind", list(ATTACKS))
def test_in_place_writes_by_the_reward_never_change_the_reported_score(kind, honest):
    attack, numpy_refuses = ATTACKS[kind]
    reward, memory = hostile_reward(attack)
    episode_fitness, env_rewards = run_wrapped(reward)
    expected = honest["fitness"].sum(axis=1) / STEPS
    assert episode_fitness == pytest.approx(expected, rel=1e-12, abs=1e-12), (
        f"{kind}: the reported episode fitness {episode_fitness} differs from the honest "
        f"recomputation {expected}")
    assert np.all(expected < 3.0)  # random actions: far from what the forgery aims at
    # DummyVecEnv keeps the env's rewards as float32
    assert np.array_equal(env_rewards, honest["env_reward"].astype(np.float32))
    if numpy_refuses:
        assert memory["accepted"] == 0 and memory["refused"] > 0, memory
    else:
        assert memory["accepted"] > 0, memory  # the write landed, in the reward's own copy


def test_the_reported_sign_flip_forge_is_refused_loudly():
    def sign_flip(state, action, next_state):  # the forge that scored 25.0 on cheetah-run
        backward = next_state.torso_velocity[:, 0]
        backward *= -1.0
        return backward, {"backward": backward}

    task = get_task("cheetah-run")
    venv = VecRewardWrapper(make_vec_env(ENV, N_ENVS, SEED), sign_flip, fitness_fn=task.fitness)
    venv.reset()
    with pytest.raises(ValueError, match="read-only"):
        venv.step(ACTIONS[0].copy())
    venv.close()


def test_every_attack_at_once_leaves_the_rollout_loop_honest(honest):
    """The evaluator's and analyzer's numbers come from run_episodes: fitness, traces, returns."""
    attacks = [attack for attack, _ in ATTACKS.values()]
    reward, memory = hostile_reward(
        lambda *args: [r for attack in attacks for r in attack(*args)])
    step = iter(range(STEPS))

    def predict(obs: np.ndarray) -> np.ndarray:
        return ACTIONS[next(step)].copy()

    task = get_task("cheetah-run")
    episodes = run_episodes(predict, ENV, reward, fitness_fn=task.fitness,
                            env_kwargs={"max_episode_steps": STEPS}, n_episodes=N_ENVS,
                            seed=SEED)
    horizon = get_description(ENV).horizon
    for i, episode in enumerate(episodes):
        assert episode.length == STEPS and episode.ended == "time_limit"
        assert episode.step_fitness == pytest.approx(honest["run"][i], rel=1e-12, abs=1e-12)
        assert episode.fitness == pytest.approx(honest["run"][i].sum() / horizon, rel=1e-12)
        assert np.array_equal(episode.env_rewards, honest["env_reward"][i].astype(np.float32))
    assert memory["refused"] > 0 and memory["accepted"] > 0


def test_reward_wrapper_gives_the_reward_sealed_copies_not_the_callers_arrays():
    seen = {}

    def reward(state, action, next_state):
        seen.update(action=action, velocity=next_state.torso_velocity,
                    angles=next_state.joint_angles)
        _writable_alias(action)[...] = FORGED  # lands in the reward's own copy only
        return next_state.torso_height, {"height": next_state.torso_height}

    env = RewardWrapper(CaptureState(gym.make(ENV)), reward)
    env.reset(seed=SEED)
    action = ACTIONS[0, 0].copy()
    env.step(action)
    assert np.array_equal(action, ACTIONS[0, 0])  # the caller's action is untouched
    assert all(is_sealed(seen[k]) for k in ("action", "velocity"))
    assert isinstance(seen["angles"], ReadOnlyDict) and isinstance(seen["angles"], dict)
    env.close()


def test_sealed_arrays_refuse_to_become_writable_at_every_level():
    for value in (np.arange(12.0).reshape(3, 4), np.array([True]), np.zeros((0, 3))):
        sealed = seal(value)
        assert np.array_equal(sealed, value) and sealed.dtype == value.dtype
        for array in (sealed, sealed[..., :1], sealed.T, sealed.base):
            assert is_sealed(array)
        for array in (sealed, sealed[..., :1], sealed.T, sealed.base,
                      np.lib.stride_tricks.as_strided(sealed), np.asarray(sealed.data)):
            with pytest.raises(ValueError, match="WRITEABLE"):
                array.setflags(write=True)
        assert not is_sealed(value) and not is_sealed(value.copy().view())
    with pytest.raises(TypeError, match="object arrays"):
        seal(np.array([{}], dtype=object))


def test_two_states_from_one_array_share_nothing_with_it_or_each_other():
    description = get_description(ENV)
    snapshots = np.random.default_rng(0).normal(size=(2, description.snapshot_size))
    first = description.state_from_snapshots(snapshots)
    second = description.state_from_snapshots(snapshots)
    _writable_alias(first.torso_position)[...] = FORGED  # past numpy, into first's copy
    snapshots[...] = -1.0  # the caller's array changes afterwards
    assert np.all(first.torso_position == FORGED)
    assert not np.any(second.torso_position == FORGED) and not np.any(second.torso_height == -1)
    for name in description.field_names:
        value = second[name]
        values = value.values() if isinstance(value, dict) else [value]
        assert all(is_sealed(v) for v in values if isinstance(v, np.ndarray)), name
    copied = pickle.loads(pickle.dumps(second.joint_angles))
    assert isinstance(copied, ReadOnlyDict) and copied.keys() == second.joint_angles.keys()
    assert all(np.array_equal(copied[k], v) for k, v in second.joint_angles.items())
