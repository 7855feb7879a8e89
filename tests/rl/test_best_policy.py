"""A training returns its best-evaluated policy, re-evaluated on episodes not used to pick it."""

from __future__ import annotations

import dataclasses
import json
import pickle

import numpy as np
import pytest
import torch

from rewardsmith.envs.registry import get_task
from rewardsmith.rl.best_policy import BestPolicy
from rewardsmith.rl.policy import NORMALIZER_FILE, POLICY_FILE
from rewardsmith.rl.training import train
from rewardsmith.sandbox.shapes import TRAIN_METRICS


class _ScoreByEvaluation:
    """A fitness whose value is set per evaluation (the test decides which evaluation is best);
    the training's ``progress`` events move it on after each evaluation."""

    def __init__(self, scores: list[float]):
        self.scores, self.index = scores, 0

    def fitness(self, state, action, next_state) -> np.ndarray:
        return np.full(len(action), self.scores[min(self.index, len(self.scores) - 1)])

    def progress(self, event: dict) -> None:
        if event["event"] == "eval":
            self.index += 1


def _pendulum_scored(scores: list[float]):
    script = _ScoreByEvaluation(scores)
    return dataclasses.replace(get_task("pendulum-balance"), fitness=script.fitness), script


def _train(tmp_path, name: str, scores: list[float], **kwargs):
    task, script = _pendulum_scored(scores)
    return train(task=task, steps=3072, eval_every=1024, seed=3, out=tmp_path / name,
                 video=False, progress=script.progress, **kwargs)


def _weights(out) -> dict[str, torch.Tensor]:
    from stable_baselines3 import PPO

    return PPO.load(out / POLICY_FILE, device="cpu").policy.state_dict()


def test_an_earlier_better_evaluation_is_the_policy_returned_and_is_evaluated_again(tmp_path):
    # The first evaluation scores above 0, the later ones and the new episodes 0 (an episode's
    # fitness is the per-step value summed over the horizon): the first one's policy is written,
    # and its reported fitness is the new episodes', not the score that picked it.
    best = _train(tmp_path, "best", [1.0, 0.0])
    metrics = best.metrics
    evals = metrics["evals"]
    assert len(evals) == 3 and evals[0]["fitness_mean"] > 0
    assert [e["fitness_mean"] for e in evals[1:]] == [0.0, 0.0]
    assert metrics["returned"] == {"from": "best", "steps": evals[0]["steps"],
                                   "picked_by_fitness": evals[0]["fitness_mean"]}
    assert metrics["last"] == evals[-1]
    assert metrics["final"]["steps"] == evals[0]["steps"]
    assert metrics["final"]["fitness_mean"] == pytest.approx(0.0) and best.fitness == 0.0
    assert metrics["success"] is False and metrics["best_fitness"] == evals[0]["fitness_mean"]
    assert metrics["steps"] == evals[-1]["steps"]  # trained to the budget all the same
    # what a sandboxed training hands the parent keeps both records after the shape check
    written = json.loads((best.out / "metrics.json").read_text())
    checked = TRAIN_METRICS(written, "metrics.json")
    assert checked["returned"] == written["returned"] and checked["last"] == written["last"]

    # The same training (same seed) keeping its last policy: the same evaluations, other weights
    # and a normaliser that has seen more observations.
    last = _train(tmp_path, "last", [1.0, 0.0], keep_best=False)
    assert last.metrics["returned"]["from"] == "last" and last.metrics["final"] == last.metrics[
        "last"] == last.metrics["evals"][-1]
    assert [e["fitness_mean"] for e in last.metrics["evals"]] == [e["fitness_mean"]
                                                                    for e in evals]
    kept, ended = _weights(best.out), _weights(last.out)
    assert any(not torch.equal(kept[k], ended[k]) for k in kept)
    with open(best.out / NORMALIZER_FILE, "rb") as f:
        kept_count = pickle.load(f).obs_rms.count  # written by this test's own training
    with open(last.out / NORMALIZER_FILE, "rb") as f:
        ended_count = pickle.load(f).obs_rms.count
    assert kept_count < ended_count


def test_a_last_evaluation_that_is_best_is_returned_without_another_evaluation(tmp_path):
    result = _train(tmp_path, "rising", [0.0, 0.0, 1.0])
    metrics = result.metrics
    assert metrics["returned"] == {"from": "last", "steps": metrics["steps"],
                                   "picked_by_fitness": metrics["evals"][-1]["fitness_mean"]}
    assert metrics["final"] == metrics["last"] == metrics["evals"][-1]
    assert result.fitness > 0


def test_restore_puts_back_the_weights_and_the_observation_statistics():
    import gymnasium as gym
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    venv = VecNormalize(DummyVecEnv([lambda: gym.make("InvertedPendulum-v5")]))
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=32, seed=0, device="cpu")
    keeper = BestPolicy()
    assert keeper.offer(None, 0, model, venv) is False  # no fitness: nothing to compare
    assert keeper.offer(float("nan"), 0, model, venv) is False and not keeper.beats(None)
    assert keeper.offer(1.0, 64, model, venv) is True
    saved = {k: v.clone() for k, v in model.policy.state_dict().items()}
    saved_mean = venv.obs_rms.mean.copy()
    model.learn(256)
    assert keeper.offer(0.5, 320, model, venv) is False and keeper.beats(0.5)
    assert keeper.offer(float("inf"), 320, model, venv) is False
    assert keeper.beats(float("nan")) and keeper.beats(None)
    assert not np.array_equal(venv.obs_rms.mean, saved_mean)
    keeper.restore(model, venv)
    assert all(torch.equal(saved[k], v) for k, v in model.policy.state_dict().items())
    np.testing.assert_array_equal(venv.obs_rms.mean, saved_mean)
    assert (keeper.fitness, keeper.steps) == (1.0, 64) and not keeper.beats(1.0)
    with pytest.raises(ValueError, match="no policy"):
        BestPolicy().restore(model, venv)
