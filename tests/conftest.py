"""Shared fixtures: a seeded rng, single-threaded torch, offscreen rendering on the CPU."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("MUJOCO_GL", "egl")


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_torch():
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _sb3_logs_in_tmp(tmp_path_factory):
    """SB3 makes an (empty) ``SB3-<date>`` folder in the system temp dir for every ``learn()``
    without a tensorboard folder; the tests train hundreds of times, so they go here instead."""
    os.environ.setdefault("SB3_LOGDIR", str(tmp_path_factory.mktemp("sb3_logs")))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
