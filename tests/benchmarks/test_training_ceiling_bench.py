"""benchmarks/bench_training_ceiling.py: every layer measured on a real (small) training."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_training_ceiling
import common


def test_each_layer_gets_a_rate_and_its_fraction_of_raw(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    bench_training_ceiling.main(["--tasks", "pendulum-balance", "--steps", "1024",
                                 "--repeats", "1", "--name", "ceiling"])
    data = json.loads((tmp_path / "ceiling.json").read_text())
    rows = {row[2]: row for row in data["rows"]}
    assert list(rows) == bench_training_ceiling.LAYERS
    assert rows["raw"][5] == 1.0
    for layer, row in rows.items():
        assert row[1] == "InvertedPendulum-v5" and row[4] > 0 and len(row[6]) == 1, layer
    # learning costs more than collecting the same steps without updates
    assert rows["training"][4] < rows["rollouts"][4]


@pytest.mark.parametrize("argv", [["--repeats", "0"], ["--steps", "0"]])
def test_bad_counts_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        bench_training_ceiling.main(argv)
    assert "at least 1" in capsys.readouterr().err
