"""A non-editable install finds prompts/, envs/ and sandbox/ (they ship inside the wheel)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, timeout=300)
    return next(out.glob("rewardsmith-*.whl"))


def test_wheel_carries_the_data_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("rewardsmith/_shipped/prompts/env_description.md.j2",
                     "rewardsmith/_shipped/envs/halfcheetah_v5.py",
                     "rewardsmith/_shipped/envs/tasks/reference/cheetah_run.py",
                     "rewardsmith/py.typed"):
        assert expected in names, expected
    assert any(n.startswith("rewardsmith/_shipped/sandbox/") for n in names)


def test_installed_wheel_finds_its_data(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=300)
    code = ("import rewardsmith, rewardsmith.resources as r; "
            "print(r.resource_dir('prompts')); "
            "print('torso_height' in rewardsmith.describe_env('Hopper-v5'))")
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    prompts_dir, found = proc.stdout.split()
    assert str(venv) in prompts_dir and "_shipped" in prompts_dir
    assert found == "True"
