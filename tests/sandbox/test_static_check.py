"""The static check: what it accepts, what it rejects; every rejection names its line and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rewardsmith.resources import resource_dir
from rewardsmith.sandbox.static_check import (
    MAX_BYTES,
    RewardCheckError,
    StaticIssue,
    check_source,
    ensure_source_passes,
)

HEADER = "import numpy as np\nimport math\n\n\ndef compute_reward(state, action, next_state):\n"
REFERENCE = sorted((resource_dir("envs") / "tasks" / "reference").glob("*.py"))


def body(*lines: str) -> str:
    return HEADER + "".join(f"    {line}\n" for line in lines) + \
        "    return x, {'x': x}\n"


@pytest.mark.parametrize("path", REFERENCE, ids=[p.stem for p in REFERENCE])
def test_reference_rewards_pass(path: Path):
    assert check_source(path.read_text()) == []


@pytest.mark.parametrize("source", [
    body("x = np.clip(next_state.torso_velocity[:, 0], -1, 1)"),
    body("x = np.exp(-np.sum(action ** 2, axis=1)) * math.pi"),
    ("from math import sqrt\nfrom numpy import clip\n\n\n"
     "def compute_reward(state, action, next_state):\n"
     "    x = clip(sqrt(2.0) * action[:, 0], 0, 1)\n    return x, {'x': x}\n"),
    body("x = state['joint_angles']['bthigh'] + state.dt",
         "helper = lambda v: v * 2", "x = helper(x)"),
    body("x = action[:, 0]", "print(f'{x.mean():.3f}')"),
    body("x = np.percentile(np.tile(action, 2), 50, axis=1)",
         "y = x.astype(x.dtype.type)", "y.fill(0)", "x = x + y"),
    body("match action.shape:", "    case (n, m):", "        x = action[:, 0] * m",
         "    case _:", "        x = action[:, 0]"),
    body("match action:", "    case np.ndarray(shape=(n, _)):", "        x = action[:, 0]",
         "    case {'a': value, **rest}:", "        x = value"),
    body("try:", "    x = action[:, 0] / 1.0", "except ZeroDivisionError as error:",
         "    x = 0 * action[:, 0]", "labels = {'__': 1, '_private_term_': 2}"),
])
def test_ordinary_rewards_pass(source: str):
    assert check_source(source) == []


@pytest.mark.parametrize("line,rule,needle", [
    ("import os", "import", "import os"),
    ("import numpy.ctypeslib", "import", "numpy.ctypeslib"),
    ("import numpy as npy", "import", "as np"),
    ("from os import system", "import", "from os import"),
    ("from numpy import load", "forbidden-attribute", "load"),
    ("from . import sibling", "import", "from ."),
    ("from numpy import *", "import", "`from numpy import *` is not allowed"),
    ("from math import *", "import", "star import binds names without naming them"),
    ("from numpy import fromfile as ff", "forbidden-attribute", "fromfile"),
    ("from numpy import testing as t", "forbidden-attribute", "testing"),
    ("from numpy import ctypeslib", "forbidden-attribute", "ctypeslib"),
    ("from numpy import memmap", "forbidden-attribute", "memmap"),
    ("from numpy import DataSource", "forbidden-attribute", "DataSource"),
    ("import math as __builtins__", "dunder", "`__builtins__`"),
    ("from math import pi as __builtins__", "dunder", "`__builtins__`"),
])
def test_imports_outside_the_allow_list_are_rejected(line, rule, needle):
    issues = check_source(line + "\n" + body("x = action[:, 0]"))
    assert [(i.line, i.rule) for i in issues] == [(1, rule)]
    assert needle in issues[0].message


@pytest.mark.parametrize("code,rule", [
    ("x = open('/etc/passwd')", "forbidden-name"),
    ("x = eval('1')", "forbidden-name"),
    ("x = exec", "forbidden-name"),
    ("x = compile('1', 'f', 'eval')", "forbidden-name"),
    ("x = getattr(np, 'lo' + 'ad')", "forbidden-name"),
    ("x = globals()", "forbidden-name"),
    ("x = vars(np)", "forbidden-name"),
    ("x = breakpoint", "forbidden-name"),
    ("x = __import__('os')", "dunder"),
    ("x = __builtins__", "dunder"),
    ("x = ().__class__.__base__", "dunder"),
    ("x = np.__dict__", "dunder"),
    ("x = '{0.__class__}'.format(state)", "dunder"),
    ("x = state._raw", "private-attribute"),
    ("x = np.load('f.npy')", "forbidden-attribute"),
    ("x = np.fromfile('f')", "forbidden-attribute"),
    ("x = np.lib.format", "forbidden-attribute"),
    ("x = np.ctypeslib", "forbidden-attribute"),
    ("x = action.ctypes", "forbidden-attribute"),
    ("x = action.tofile('f')", "forbidden-attribute"),
    ("x = np.ma.extras.warnings.sys", "forbidden-attribute"),
    ("x = (g for g in []).gi_frame.f_back", "forbidden-attribute"),
    ("x = np.random.bit_generator.re", "forbidden-attribute"),
    ("x = type(np)", "forbidden-name"),
    ("x = type('P', (), {'__array_' + 'interface__': {}})", "forbidden-name"),
    ("x = {'__array_interface__': {}}", "dunder"),
    ("x = np.random.bit_generator.abc.ABCMeta('P', (), {})", "forbidden-attribute"),
    ("x = action.__array_interface__", "dunder"),
    ("x = dict(__array_interface__={})", "dunder"),
    ("x = np.asarray(action, __class__=1)", "dunder"),
])
def test_dangerous_constructs_are_rejected_with_line_and_rule(code, rule):
    issues = check_source(body(code))
    assert issues, code
    assert all(i.line == 6 for i in issues)
    assert rule in {i.rule for i in issues}
    assert all(str(i).startswith("line 6 [") for i in issues)


@pytest.mark.parametrize("code", [
    "x = np.load('f.npy', allow_pickle=True)",
    "x = np.ma.loads(b'')",
    "x = np.ma.mrecords.fromtextfile('f')",
    "x = np.rec.fromfile('f')",
    "x = np.lib.npyio.NpzFile",
    "x = np.lib.format.read_array",
    "x = np.lib.format.write_array",
    "x = np.lib.stride_tricks.as_strided(action, (10 ** 9,), (8,))",
    "x = np.testing.runstring('1', {})",
    "x = np.f2py",
    "x = np.distutils",
    "x = np.DataSource().open('/etc/passwd')",
    "x = np.memmap('f')",
    "x = np.savez_compressed('f', action)",
    "x = np.save('f', action)",
    "x = np.genfromtxt('f')",
    "x = np.loadtxt('f')",
    "x = np.fromregex('f', 'r', float)",
    "x = np.ctypeslib.as_array(action)",
    "x = action.ctypes.data",
    "x = action.dump('f')",
    "x = action.dumps()",
    "x = action.tofile('f')",
    "alias = np; x = alias.lib.format.open_memmap('f')",
])
def test_numpy_file_pickle_and_ffi_entry_points_are_rejected_however_reached(code):
    issues = check_source(body(code))
    assert issues, code
    assert {i.rule for i in issues} == {"forbidden-attribute"}
    assert all(i.line == 6 and "file access, foreign code" in i.message for i in issues)


@pytest.mark.parametrize("pattern,needle", [
    ("object(__class__=c)", "case object(__class__=...)"),
    ("object(__class__=object(__base__=b))", "case object(__base__=...)"),
    ("object(_private=c)", "case object(_private=...)"),
    ("object(gi_frame=object(f_back=f))", "case object(gi_frame=...)"),
    ("np.ndarray(ctypes=c)", "case np.ndarray(ctypes=...)"),
    ("object(load=c)", "case object(load=...)"),
])
def test_match_class_patterns_cannot_read_forbidden_attributes(pattern, needle):
    source = body("match action:", f"    case {pattern}:", "        x = action[:, 0]",
                  "    case _:", "        x = action[:, 0]")
    issues = check_source(source)
    assert issues and all(i.line == 7 for i in issues)
    assert any(needle in i.message for i in issues), issues


@pytest.mark.parametrize("lines", [
    ("match action:", "    case __builtins__:", "        x = action[:, 0]"),
    ("match action:", "    case [*__builtins__]:", "        x = action[:, 0]"),
    ("match {}:", "    case {**__builtins__}:", "        x = action[:, 0]"),
    ("try:", "    x = action[:, 0]", "except ValueError as __builtins__:", "    x = 1"),
    ("global __builtins__", "x = action[:, 0]"),
])
def test_dunder_names_are_rejected_wherever_they_are_bound(lines):
    issues = check_source(body(*lines))
    assert [i.rule for i in issues] == ["dunder"]
    assert "`__builtins__`" in issues[0].message


def test_classes_may_not_take_a_metaclass():
    source = body("class P(metaclass=np.dtype):", "    pass", "x = action[:, 0]")
    issues = check_source(source)
    assert [(i.line, i.rule) for i in issues] == [(6, "forbidden-name")]
    assert "metaclass" in issues[0].message


@pytest.mark.parametrize("source,needle", [
    ("import numpy as np\n\n\ndef reward(state, action, next_state):\n    return 0, {}\n",
     "no top-level `def compute_reward"),
    (HEADER.replace("next_state)", "next_state, extra)") + "    return 0, {}\n", "extra"),
    (HEADER.replace("next_state)", "next_state=None)") + "    return 0, {}\n", "no defaults"),
    (HEADER.replace("(state, action", "(s, action") + "    return 0, {}\n", "expected exactly"),
    (HEADER.replace("def ", "async def ") + "    return 0, {}\n", "not `async def`"),
])
def test_signature_must_match_the_contract(source, needle):
    issues = check_source(source)
    assert [i.rule for i in issues] == ["signature"]
    assert needle in issues[0].message


def test_syntax_errors_name_the_line():
    issues = check_source(HEADER + "    return (1,\n")
    assert issues[0].rule == "syntax" and issues[0].line >= 6


def test_size_limits():
    huge = body("x = action[:, 0]") + "#" * MAX_BYTES
    assert [i.rule for i in check_source(huge)] == ["size"]
    many_lines = body("x = action[:, 0]") + "\n" * 5000
    assert [i.rule for i in check_source(many_lines)] == ["size"]
    wide = body(*["x = (" + ", ".join(["action[:, 0]"] * 40) + ")"] * 600)
    assert [i.rule for i in check_source(wide)] == ["size"]
    deep = body("x = " + " + ".join(["action[:, 0]"] * 20000))  # the parser would recurse
    assert [i.rule for i in check_source(deep)] == ["size"]


def test_every_issue_is_reported_at_once():
    source = "import os\nimport subprocess\n" + body("x = open('f')", "y = np.load('g')")
    with pytest.raises(RewardCheckError) as info:
        ensure_source_passes(source, origin="cand.py")
    error = info.value
    assert len(error.issues) == 4
    assert [i.line for i in error.issues] == sorted(i.line for i in error.issues)
    text = str(error)
    assert text.startswith("cand.py failed the static check (4 problems)")
    assert "line 1 [import]" in text and "line 8 [forbidden-name]" in text
    assert "line 9 [forbidden-attribute]" in text
    assert isinstance(error.issues[0], StaticIssue)


def test_check_never_executes_the_source(tmp_path):
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w')\n" + body("x = action[:, 0]")
    assert check_source(source)
    assert not marker.exists()


# The one exec in the package, for code the user chose to trust: load_reward runs the winner of
# a run (or a reward the user wrote) in the calling process; candidates never come through it.
TRUSTED_EXEC = {"rl/reward_program.py"}


def test_no_exec_or_eval_in_the_package():
    """Only sandbox/worker.py may execute candidate code."""
    package = Path(__file__).resolve().parents[2] / "rewardsmith"
    for path in package.rglob("*.py"):
        if path.relative_to(package).as_posix() not in TRUSTED_EXEC:
            assert not re.search(r"\b(exec|eval)\(", path.read_text()), path
    for name in TRUSTED_EXEC:
        assert "trust" in (package / name).read_text().split('"""')[1], name


def test_checks_in_parallel_threads_all_succeed():
    # The design loop checks candidates in threads; CPython 3.11's AST construction shares a
    # recursion counter between threads (python/cpython#106905), hence the lock in ast_parse.
    from concurrent.futures import ThreadPoolExecutor

    source = REFERENCE[0].read_text()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: check_source(source), range(400)))
    assert results == [[]] * 400
