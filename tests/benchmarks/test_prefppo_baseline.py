"""The PrefPPO baseline's pieces (benchmarks/prefppo_baseline.py), at tiny budgets.

The benchmark's numbers mean something only if the baseline is a fair reward learner: its
schedule hands out exactly the queries asked for, its reward model recovers an ordering from
preferences, its segments respect episode boundaries, and the whole loop runs on our envs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from prefppo_baseline import (
    PrefPPOConfig,
    RewardModel,
    query_schedule,
    run_prefppo,
    sample_segment_pairs,
    train_reward_model,
)


@pytest.mark.parametrize("total", [0, 1, 10, 30, 1000])
@pytest.mark.parametrize("kind", ["hyperbolic", "constant"])
def test_schedule_spends_exactly_the_budget(total, kind):
    schedule = query_schedule(total, 10, initial_frac=0.1, kind=kind)
    assert len(schedule) == 11 and sum(schedule) == total and min(schedule) >= 0
    assert schedule[0] == int(0.1 * total)
    if kind == "hyperbolic" and total >= 100:
        assert schedule[1] > schedule[-1]  # more queries early, as in imitation


def test_reward_model_learns_to_order_segments_by_a_known_return():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    n, length, dim = 400, 10, 5
    w = rng.normal(size=dim)
    x = rng.normal(size=(n, 2, length, dim)).astype(np.float32)
    mask = np.ones((n, 2, length), dtype=np.float32)
    returns = (x @ w).sum(-1)
    labels = (returns[:, 0] > returns[:, 1]).astype(np.float32)
    train, test = slice(0, 300), slice(300, n)
    model = RewardModel(dim, hidden=(32,))
    stats = train_reward_model(model, x[train, 0], mask[train, 0], x[train, 1], mask[train, 1],
                               labels[train], max_epochs=60)
    assert stats["train_accuracy"] > 0.9
    with torch.no_grad():
        ra = model.segment_return(torch.as_tensor(x[test, 0]), torch.as_tensor(mask[test, 0]))
        rb = model.segment_return(torch.as_tensor(x[test, 1]), torch.as_tensor(mask[test, 1]))
    held_out = ((ra - rb).numpy() > 0) == (labels[test] == 1)
    assert np.mean(held_out) > 0.85


def test_reward_model_learns_that_terminating_early_is_worse():
    """Segments cut by a termination are padded with the absorbing reward, which must fall below
    the reward of staying alive when the teacher prefers longer survival."""
    rng = np.random.default_rng(1)
    torch.manual_seed(1)
    n, length, dim = 200, 20, 3
    x = rng.normal(size=(n, 2, length, dim)).astype(np.float32)
    alive = rng.integers(1, length + 1, size=(n, 2))
    mask = (np.arange(length) < alive[..., None]).astype(np.float32)
    x *= mask[..., None]
    keep = alive[:, 0] != alive[:, 1]
    labels = (alive[:, 0] > alive[:, 1]).astype(np.float32)[keep]
    model = RewardModel(dim, hidden=(16,))
    stats = train_reward_model(model, x[keep, 0], mask[keep, 0], x[keep, 1], mask[keep, 1],
                               labels, max_epochs=50)
    assert stats["train_accuracy"] > 0.9
    with torch.no_grad():
        r_alive = model(torch.as_tensor(x[mask > 0])).mean().item()
    assert r_alive > model.absorb.item()


def test_segments_stop_at_terminations_and_never_cross_truncations():
    steps, n_envs, length = 30, 2, 5
    x = np.arange(steps * n_envs, dtype=np.float32).reshape(steps, n_envs, 1)
    fit = np.ones((steps, n_envs))
    term = np.zeros((steps, n_envs), dtype=bool)
    end = np.zeros((steps, n_envs), dtype=bool)
    term[7, 0] = end[7, 0] = True  # env 0: an episode terminates at step 7
    end[12, 1] = True  # env 1: a time-limit truncation at step 12
    pairs = sample_segment_pairs(x, fit, term, end, 500, length, np.random.default_rng(0))
    feats = pairs["x"].reshape(-1, length)
    mask = pairs["mask"].reshape(-1, length)
    assert np.allclose(pairs["fitness"].ravel(), mask.sum(1))
    for seg, m in zip(feats, mask, strict=True):
        k = int(m.sum())
        start_step, env = divmod(int(seg[0]), n_envs)
        t = start_step + np.arange(k)
        assert np.array_equal(seg[:k], t * n_envs + env)  # consecutive steps of one env
        assert np.all(seg[k:] == 0)
        if k < length:  # cut short only by the termination of env 0 at step 7
            assert env == 0 and t[-1] == 7
        if env == 1:
            assert t[-1] <= 12 or t[0] > 12
        assert t[-1] <= steps - 1


@pytest.mark.slow
def test_tiny_end_to_end_run_on_pendulum_balance():
    cfg = PrefPPOConfig(steps=512, queries=10, segment_length=10, n_iterations=2, n_envs=2,
                        n_eval_episodes=2, algo_kwargs={"n_steps": 64, "batch_size": 32})
    result = run_prefppo("pendulum-balance", cfg, log=lambda *_: None)
    assert result["queries"] == 10 and result["answered"] == 10
    assert result["schedule"] == query_schedule(10, 2)
    assert len(result["history"]) == 3
    assert result["env_steps"] <= 512 + 3 * 128
    assert 0.0 <= result["fitness"] <= 1.0
    assert result["success"] == (result["fitness"] >= result["threshold"])


def test_bench_reads_our_side_and_states_the_ratio(tmp_path):
    from bench_preferences import compare, load_ours, queries_to_success

    runs = [{"budget_queries": q, "success": ok}
            for q, ok in [(10, False), (10, True), (100, True), (100, True)]]
    assert queries_to_success(runs) == 100  # every seed must succeed
    assert queries_to_success(runs[:2]) is None
    path = tmp_path / "ours.json"
    path.write_text('{"queries_to_success": 5, "fitness": 2.1}')
    ours = load_ours(str(path))
    assert "20x fewer" in compare(100, 1000, ours)
    assert "lower bound" in compare(None, 1000, ours)
    assert "missing" in compare(100, 1000, None)
    path.write_text('{"fitness": 2.1}')
    with pytest.raises(SystemExit, match="queries_to_success"):
        load_ours(str(path))
