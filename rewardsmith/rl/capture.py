"""Capture the simulator state around every step, so a reward sees the true transition.

A reward program reads named fields of the state before and after a step (see
:mod:`rewardsmith.envs.descriptions`); the env's observation does not hold them all, and a
vectorised env that auto-resets has already overwritten the terminal state by the time it
returns. So each sub-env records two raw snapshots of ``MjData``, before and after its step,
and puts them in ``info[TRANSITION_KEY]`` as one ``(2, snapshot_size)`` array: one array
stacks cleanly in gymnasium's vector infos and crosses a process pipe as about 1 KB.

Two ways to get there:

* :class:`CaptureState`, a wrapper you (or ``rewardsmith.make_vec_env``) put on each env;
* :func:`install_capture`, for the vector env a user already has: it turns each sub-env's
  outermost wrapper into a subclass of its own class that also captures (``set_attr`` of
  ``__class__``, which SB3's ``DummyVecEnv``/``SubprocVecEnv`` and gymnasium's
  ``SyncVectorEnv``/``AsyncVectorEnv`` all forward, across processes too). The subclass
  pickles as "the capturing subclass of <that class>", so it is rebuilt inside a subprocess
  started with ``spawn`` or ``forkserver``; ``isinstance`` checks on the sub-env still hold.

Measured (``benchmarks/bench_vector_wrapper.py --subproc``, SB3 ``SubprocVecEnv`` of 2
HalfCheetahs): with the snapshot pair riding in each step's own reply, 4,925 env steps/s; reading
``MjData`` through ``get_attr`` after each step instead (about 690 KB pickled per sub-env), 433,
and that would still miss the terminal state of an auto-reset.
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from rewardsmith.envs.descriptions import EnvDescription

TRANSITION_KEY = "rewardsmith_transition"
CAPTURE_INFO = "rewardsmith_capture_info"  # the method every capturing env answers

# Wrappers that change what a reward wrapper above them would see or report, by the fully
# qualified name of any class in the wrapper's MRO (so subclasses count too).
_REWARD = {
    "gymnasium.core.RewardWrapper", "gymnasium.wrappers.stateful_reward.NormalizeReward",
    "gymnasium.vector.vector_env.VectorRewardWrapper",
    "gymnasium.wrappers.vector.stateful_reward.NormalizeReward",
    "stable_baselines3.common.vec_env.vec_normalize.VecNormalize",
}
_ACTION = {
    "gymnasium.core.ActionWrapper", "gymnasium.vector.vector_env.VectorActionWrapper",
}
_EPISODE_STATISTICS = {
    "gymnasium.wrappers.common.RecordEpisodeStatistics",
    "gymnasium.wrappers.vector.common.RecordEpisodeStatistics",
    "stable_baselines3.common.monitor.Monitor",
    "stable_baselines3.common.vec_env.vec_monitor.VecMonitor",
}
KINDS = ("reward", "action", "episode statistics")


def qualified_name(cls: type) -> str:
    """``module.QualName`` of a class."""
    return f"{cls.__module__}.{cls.__qualname__}"


def wrapper_kind(obj: Any) -> str | None:
    """``"reward"``, ``"action"``, ``"episode statistics"`` or ``None`` for one wrapper.

    Anything that transforms rewards or actions, or counts episode returns, matters to a
    reward wrapper placed above it: the first is bypassed, the second makes the reward price a
    different action than the one the robot took, the third logs the env's own return.
    """
    names = {qualified_name(c) for c in type(obj).__mro__}
    if names & _REWARD:
        return "reward"
    if names & _ACTION:
        return "action"
    if names & _EPISODE_STATISTICS:
        return "episode statistics"
    return None


def wrapper_chain(env: Any) -> list[tuple[str, str | None]]:
    """``(class name, kind)`` of every wrapper of a gymnasium env or vector env, outermost first.

    The capturing subclass that :func:`install_capture` puts on an env is reported as the
    class it extends.
    """
    chain = []
    while isinstance(env, gym.Wrapper | gym.vector.VectorWrapper):
        cls = getattr(type(env), "rewardsmith_base", type(env))
        chain.append((cls.__name__, wrapper_kind(env)))
        env = env.env
    return chain


def description_of(env: gym.Env) -> EnvDescription:
    """The :class:`EnvDescription` registered for the env's id (its base env's id)."""
    from rewardsmith.envs.registry import get_description

    spec = env.unwrapped.spec or env.spec
    if spec is None:
        raise ValueError(f"{type(env.unwrapped).__name__} has no gymnasium id to look its state "
                         f"description up by; pass description=... to CaptureState")
    return get_description(spec.id)


def capture_info(env: gym.Env, description: EnvDescription) -> dict[str, Any]:
    """What a vector reward wrapper asks a capturing sub-env: its env id and its wrappers."""
    return {"env_id": description.env_id, "chain": wrapper_chain(env)}


class CaptureState(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Put the raw snapshots of the state before and after each step in ``info``.

    Args:
        env: a MuJoCo env with a description (see ``rewardsmith envs``).
        description: its :class:`EnvDescription`; looked up from the env id when omitted.
    """

    def __init__(self, env: gym.Env, description: EnvDescription | None = None):
        gym.utils.RecordConstructorArgs.__init__(self, description=description)
        super().__init__(env)
        self.state_description = description or description_of(env)
        self._data = env.unwrapped.data
        self._last: np.ndarray | None = None

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self._data = self.env.unwrapped.data
        self._last = self.state_description.snapshot(self._data)
        return obs, info

    def step(self, action: Any):
        if self._last is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        obs, reward, terminated, truncated, info = self.env.step(action)
        after = self.state_description.snapshot(self._data)
        info[TRANSITION_KEY] = np.stack((self._last, after))
        self._last = after
        return obs, reward, terminated, truncated, info

    def rewardsmith_capture_info(self) -> dict[str, Any]:
        """Env id and wrapper chain, for the vector wrappers (see :func:`install_capture`)."""
        return capture_info(self, self.state_description)


def _capturing_description(self: Any) -> EnvDescription:
    description = self.__dict__.get("_rewardsmith_state_description")
    if description is None:
        description = description_of(self)
        self.__dict__["_rewardsmith_state_description"] = description
    return description


def _capturing_step(self: Any, action: Any):
    """The capturing subclass's ``step``: its base's, with the snapshot pair in ``info``.

    The state before the step is the one kept from the last step or reset; installed in the
    middle of an episode, there is none yet, and it is read just before stepping (nothing
    changes ``MjData`` between a step or reset and the next step).
    """
    description = _capturing_description(self)
    before = self.__dict__.pop("_rewardsmith_last", None)
    if before is None:
        before = description.snapshot(self.unwrapped.data)
    obs, reward, terminated, truncated, info = type(self).rewardsmith_base.step(self, action)
    after = description.snapshot(self.unwrapped.data)
    self.__dict__["_rewardsmith_last"] = after
    info[TRANSITION_KEY] = np.stack((before, after))
    return obs, reward, terminated, truncated, info


def _capturing_reset(self: Any, **kwargs: Any):
    """The capturing subclass's ``reset``: its base's, keeping the state it starts from."""
    obs, info = type(self).rewardsmith_base.reset(self, **kwargs)
    self.__dict__["_rewardsmith_last"] = _capturing_description(self).snapshot(
        self.unwrapped.data)
    return obs, info


def _capturing_info(self: Any) -> dict[str, Any]:
    """Env id and wrapper chain (the vector wrappers ask once, at construction)."""
    return capture_info(self, _capturing_description(self))


class _CaptureMeta(type):
    """Metaclass of the capturing subclasses: lets :mod:`copyreg` pickle them by recipe."""


_subclasses: dict[type, type] = {}
_metas: dict[type, type] = {type: _CaptureMeta}


def capturing_class(cls: type) -> type:
    """The subclass of ``cls`` that also captures the state (one per class, per process)."""
    if getattr(cls, "rewardsmith_base", None) is not None:
        return cls
    if cls not in _subclasses:
        meta = type(cls)
        if meta not in _metas:  # a wrapper with its own metaclass: combine the two
            _metas[meta] = type(f"_Capture{meta.__name__}", (_CaptureMeta, meta), {})
            copyreg.pickle(_metas[meta], _reduce_capturing)
        # One base and no slots of its own: __class__ can only change between classes of the
        # same memory layout (a mixin base already breaks that).
        _subclasses[cls] = _metas[meta](
            f"Capturing{cls.__name__}", (cls,),
            {"rewardsmith_base": cls, "__module__": __name__, "__slots__": (),
             "step": _capturing_step, "reset": _capturing_reset, CAPTURE_INFO: _capturing_info,
             "__doc__": f"{cls.__name__} that also captures the state (rewardsmith)."})
    return _subclasses[cls]


def _reduce_capturing(cls: type) -> tuple[Callable[[type], type], tuple[type]]:
    return capturing_class, (cls.rewardsmith_base,)


copyreg.pickle(_CaptureMeta, _reduce_capturing)


class VectorCalls:
    """The two calls :func:`install_capture` needs, for SB3 and gymnasium vector envs alike.

    Args:
        call: ``(method name, *args) -> one result per sub-env``.
        set_classes: ``(one class per sub-env) -> None``: sets each sub-env's ``__class__``.
    """

    def __init__(self, call: Callable[..., list[Any]],
                 set_classes: Callable[[list[type]], Any]):
        self.call = call
        self.set_classes = set_classes


def install_capture(calls: VectorCalls, owner: str) -> dict[str, Any]:
    """Make every sub-env put the transition in ``info``; return sub-env 0's capture info.

    Sub-envs that already capture (a :class:`CaptureState` anywhere in their chain, or an
    earlier install) are left as they are.

    Raises:
        TypeError: a sub-env's outermost wrapper cannot change class (a C type, or
            ``__slots__``); the message says to wrap the sub-envs in :class:`CaptureState`.
    """
    capturing = calls.call("has_wrapper_attr", CAPTURE_INFO)
    if not all(capturing):
        classes = calls.call("__getattribute__", "__class__")
        try:
            calls.set_classes([cls if has else capturing_class(cls)
                               for has, cls in zip(capturing, classes, strict=True)])
        except TypeError as e:
            raise TypeError(
                f"{owner} could not install state capture into its sub-envs "
                f"({classes[0].__name__}: {e}); wrap each sub-env in rewardsmith.CaptureState "
                f"(SB3 and rl-zoo3: make_vec_env(..., wrapper_class=rewardsmith.CaptureState))"
            ) from None
    return calls.call(CAPTURE_INFO)[0]
