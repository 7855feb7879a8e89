"""The package's layers, checked from the test suite: import-linter's contracts (pyproject.toml)
and the one entry point it cannot see, ``sandbox/worker.py``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept():
    # import-linter's own entry point, through this interpreter (the `lint-imports` script may
    # live elsewhere, e.g. in a venv that reuses the system's packages)
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_worker_imports_only_the_stdlib_the_jobs_and_the_errors():
    tree = ast.parse((ROOT / "sandbox" / "worker.py").read_text())
    ours = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in {"rewardsmith", "numpy", "seccomp",
                                                             "pyseccomp"}, name
            if top == "rewardsmith":
                ours.add(name)
    assert ours == {"rewardsmith.errors", "rewardsmith.sandbox.jobs"}


def test_every_job_module_loads_without_the_parent_side():
    # A fresh interpreter: importing each job must not pull in the evaluator, the designers,
    # the LLM client or the CLI (they hold API keys and start threads and servers).
    code = ("import sys\n"
            "from rewardsmith.sandbox.jobs import JOBS, job_function\n"
            "for kind in JOBS: job_function(kind)\n"
            "bad = [m for m in sys.modules if m.split('.')[:2] in (['rewardsmith', 'run'], "
            "['rewardsmith', 'evaluator'], ['rewardsmith', 'designers'], ['rewardsmith', 'llm'], "
            "['rewardsmith', 'cli'], ['rewardsmith', 'feedback']) or m in ('openai', 'ray')]\n"
            "print(bad)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_importing_every_module_leaves_the_public_functions_in_place():
    import importlib
    import pkgutil

    import rewardsmith

    for info in pkgutil.walk_packages(rewardsmith.__path__, "rewardsmith."):
        if not info.name.startswith("rewardsmith.testing") and info.name != "rewardsmith.__main__":
            importlib.import_module(info.name)
    for name in rewardsmith.__all__[1:]:
        assert callable(getattr(rewardsmith, name)), name


def test_a_module_of_the_old_layout_names_its_new_home():
    import pytest

    with pytest.raises(ModuleNotFoundError, match="moved: import from rewardsmith.envs"):
        __import__("rewardsmith.descriptions")
