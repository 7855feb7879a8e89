"""The policy's safe copy: tensors and JSON that load in the main process without running code.

The reference is what the sandbox does: ``load_policy`` (SB3's pickle loader, the one the
``reevaluate`` job runs inside the sandbox) on the ``policy.zip``/``vecnormalize.pkl`` that the
same training wrote. The safe copy must act exactly like it, and refuse anything that is not a
tensors-only state dict of the network rewardsmith builds itself.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from rewardsmith.rl.make_env import make_vec_env
from rewardsmith.rl.policy import load_policy
from rewardsmith.rl.safe_policy import UnsafePolicyError, load_safe_policy, save_safe_policy
from rewardsmith.rl.training import train
from rewardsmith.run_dir import POLICY_WEIGHTS_PT, VECNORMALIZE_JSON

PENDULUM = "InvertedPendulum-v5"


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trained")
    train(task="pendulum-balance", steps=1024, out=folder, video=False, eval_every=1024)
    return folder


def _observations(n_random: int = 2000) -> np.ndarray:
    """Observations of a real rollout, and random ones far outside it (clipping included)."""
    venv = make_vec_env(PENDULUM, 4, seed=3)
    rollout = [venv.reset()]
    for _ in range(50):
        obs, *_ = venv.step(np.stack([venv.action_space.sample() for _ in range(4)]))
        rollout.append(obs)
    venv.close()
    wide = np.random.default_rng(0).normal(scale=5.0, size=(n_random, 4))
    return np.concatenate([*rollout, wide])


def test_the_safe_policy_acts_exactly_like_the_sb3_policy_the_sandbox_loads(trained):
    sb3 = load_policy(trained, PENDULUM)  # pickles: what the reevaluate job does in the sandbox
    safe = load_safe_policy(trained, PENDULUM)
    obs = _observations()
    np.testing.assert_array_equal(safe.normalize_obs(obs), sb3.normalize_obs(obs))
    diff = float(np.max(np.abs(safe.predict(obs) - sb3.predict(obs))))
    print(f"max |safe - sb3| action difference over {len(obs)} observations: {diff}")
    assert diff == 0.0


def test_the_safe_files_are_plain_tensors_and_plain_json(trained):
    state = torch.load(trained / POLICY_WEIGHTS_PT, weights_only=True)
    assert state and all(isinstance(v, torch.Tensor) for v in state.values())
    stats = json.loads((trained / VECNORMALIZE_JSON).read_text())
    assert len(stats["obs_mean"]) == len(stats["obs_var"]) == 4
    assert stats["clip_obs"] == 10.0 and stats["norm_obs"] is True


class _Payload:
    """Unpickling this runs ``os.system``: what a hostile candidate would plant."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _copy_stats(trained: Path, folder: Path) -> None:
    (folder / VECNORMALIZE_JSON).write_bytes((trained / VECNORMALIZE_JSON).read_bytes())


@pytest.mark.parametrize("how", ["torch.save archive", "bare pickle"])
def test_a_pickle_bomb_named_policy_weights_is_refused_and_never_run(trained, tmp_path, how):
    marker = tmp_path / "pwned"
    if how == "torch.save archive":
        state = {k: v for k, v in torch.load(trained / POLICY_WEIGHTS_PT,
                                             weights_only=True).items()}
        state["log_std"] = _Payload(marker)  # type: ignore[assignment]
        torch.save(state, tmp_path / POLICY_WEIGHTS_PT)
        expected = "weights-only loader refused it"
    else:
        (tmp_path / POLICY_WEIGHTS_PT).write_bytes(pickle.dumps(_Payload(marker)))
        expected = "not a torch.save archive"
    _copy_stats(trained, tmp_path)
    with pytest.raises(UnsafePolicyError, match=expected):
        load_safe_policy(tmp_path, PENDULUM)
    assert not marker.exists()


def test_a_compressed_archive_is_refused_before_it_is_unpacked(trained, tmp_path):
    # torch.save stores its records; a deflated record could unpack to far more than its size.
    with zipfile.ZipFile(trained / POLICY_WEIGHTS_PT) as src, \
            zipfile.ZipFile(tmp_path / POLICY_WEIGHTS_PT, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item))
    _copy_stats(trained, tmp_path)
    with pytest.raises(UnsafePolicyError, match="compressed or oversized records"):
        load_safe_policy(tmp_path, PENDULUM)


def test_weights_that_do_not_fit_the_network_rewardsmith_builds_are_refused(trained, tmp_path):
    state = torch.load(trained / POLICY_WEIGHTS_PT, weights_only=True)
    _copy_stats(trained, tmp_path)
    wrong_shape = {**state, "action_net.weight": torch.zeros(3, 3)}
    torch.save(wrong_shape, tmp_path / POLICY_WEIGHTS_PT)
    with pytest.raises(UnsafePolicyError, match=r"action_net.weight is a torch.float32 tensor "
                                                r"of shape \(3, 3\)"):
        load_safe_policy(tmp_path, PENDULUM)
    extra = {**state, "backdoor": torch.zeros(1)}
    torch.save(extra, tmp_path / POLICY_WEIGHTS_PT)
    with pytest.raises(UnsafePolicyError, match=r"unexpected \['backdoor'\]"):
        load_safe_policy(tmp_path, PENDULUM)
    torch.save([1, 2, 3], tmp_path / POLICY_WEIGHTS_PT)
    with pytest.raises(UnsafePolicyError, match="holds a list, expected a dict of named tensors"):
        load_safe_policy(tmp_path, PENDULUM)
    # Trained for another env: the trusted network for InvertedPendulum does not take it.
    with pytest.raises(UnsafePolicyError, match="does not fit|shape"):
        load_safe_policy(trained, "HalfCheetah-v5")


@pytest.mark.parametrize("change, message", [
    ({"obs_mean": [0.0, 0.0]}, "obs_mean must be a list of 4 finite numbers"),
    ({"obs_var": [1.0, float("nan"), 1.0, 1.0]}, "obs_var must be a list of 4 finite numbers"),
    ({"obs_var": [1.0, -1.0, 1.0, 1.0]}, "negative"),
    ({"clip_obs": "10"}, "clip_obs must be a positive finite number"),
    ({"format": "pickle"}, "format"),
])
def test_statistics_that_are_not_what_save_safe_policy_writes_are_refused(trained, tmp_path,
                                                                          change, message):
    (tmp_path / POLICY_WEIGHTS_PT).write_bytes((trained / POLICY_WEIGHTS_PT).read_bytes())
    stats = {**json.loads((trained / VECNORMALIZE_JSON).read_text()), **change}
    (tmp_path / VECNORMALIZE_JSON).write_text(json.dumps(stats))
    with pytest.raises(UnsafePolicyError, match=message):
        load_safe_policy(tmp_path, PENDULUM)


def test_links_fifos_and_missing_files_are_refused_without_blocking(trained, tmp_path):
    _copy_stats(trained, tmp_path)
    with pytest.raises(UnsafePolicyError, match="is missing"):
        load_safe_policy(tmp_path, PENDULUM)
    (tmp_path / POLICY_WEIGHTS_PT).symlink_to(trained / POLICY_WEIGHTS_PT)
    with pytest.raises(UnsafePolicyError, match="symbolic link is never followed"):
        load_safe_policy(tmp_path, PENDULUM)
    (tmp_path / POLICY_WEIGHTS_PT).unlink()
    os.mkfifo(tmp_path / POLICY_WEIGHTS_PT)
    with pytest.raises(UnsafePolicyError, match="not a regular file"):
        load_safe_policy(tmp_path, PENDULUM)


def test_a_sac_policy_without_normalisation_round_trips(tmp_path):
    from stable_baselines3 import SAC

    model = SAC("MlpPolicy", make_vec_env(PENDULUM, 1, 0), seed=0, device="cpu")
    save_safe_policy(model, None, tmp_path)
    safe = load_safe_policy(tmp_path, PENDULUM, algo="sac")
    obs = _observations(200)
    assert safe.obs_mean is None
    np.testing.assert_array_equal(safe.predict(obs), model.predict(obs, deterministic=True)[0])


def test_saved_weights_read_back_from_bytes_are_the_trained_tensors(trained):
    state = torch.load(io.BytesIO((trained / POLICY_WEIGHTS_PT).read_bytes()), weights_only=True)
    loaded = load_safe_policy(trained, PENDULUM).policy.state_dict()
    assert state.keys() == loaded.keys()
    assert all(torch.equal(state[k], loaded[k]) for k in state)


def test_overrides_merge_the_policy_kwargs_key_by_key_and_leave_the_tables_alone():
    from rewardsmith.rl.hyperparams import hyperparams

    tuned = hyperparams("ppo", "HalfCheetah-v5")
    wide = hyperparams("ppo", "HalfCheetah-v5", {"policy_kwargs": {"log_std_init": 0.0}},
                       None, {"learning_rate": 1e-4})
    assert wide["policy_kwargs"] == {**tuned["policy_kwargs"], "log_std_init": 0.0}
    assert wide["learning_rate"] == 1e-4 and wide["n_steps"] == tuned["n_steps"]
    wide["policy_kwargs"]["net_arch"] = "changed"
    assert hyperparams("ppo", "HalfCheetah-v5") == tuned
    assert hyperparams("ppo", "Ant-v5", {"policy_kwargs": {"log_std_init": 0.0}})[
        "policy_kwargs"] == {"log_std_init": 0.0}
