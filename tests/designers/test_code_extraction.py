"""Extraction picks the right block, and its errors are fit to send back to the LLM."""

from __future__ import annotations

import pytest

from rewardsmith.designers.code_extraction import (
    CodeExtractionError,
    code_hash,
    extract_python_code,
    normalize_code,
)

REWARD = """\
import numpy as np


def _upright(state):
    return state["torso_up"]


def compute_reward(state, action, next_state):
    r = _upright(next_state)
    return r, {"upright": r}
"""


def fenced(code: str, lang: str = "python") -> str:
    return f"```{lang}\n{code.rstrip()}\n```"


@pytest.mark.parametrize("lang", ["python", "py", "Python3", ""])
def test_fenced_block_is_extracted_with_helpers(lang):
    reply = f"Here is my reward.\n\n{fenced(REWARD, lang)}\n\nIt rewards staying upright."
    code = extract_python_code(reply)
    assert code == REWARD.strip()
    assert "def _upright" in code  # helpers before compute_reward are kept


def test_last_python_block_wins():
    old = REWARD.replace("torso_up", "torso_height")
    reply = f"First try:\n{fenced(old)}\nBetter:\n{fenced(REWARD)}"
    assert "torso_up" in extract_python_code(reply)


def test_a_trailing_usage_example_does_not_hide_the_reward():
    usage = "reward, parts = compute_reward(s, a, s2)\n"
    reply = f"{fenced(REWARD)}\nUse it like this:\n{fenced(usage)}"
    assert extract_python_code(reply) == REWARD.strip()


def test_bare_fence_only_used_when_it_defines_the_function():
    reply = f"{fenced('pip install numpy', '')}\n{fenced(REWARD, '')}\n{fenced('ls', 'bash')}"
    assert extract_python_code(reply) == REWARD.strip()


def test_indented_fence_inside_a_list_is_dedented():
    indented = "\n".join("   " + line if line else "" for line in REWARD.splitlines())
    reply = f"1. The reward:\n   ```python\n{indented}\n   ```\n"
    assert extract_python_code(reply) == REWARD.strip()


def test_four_backtick_fence_can_contain_three_backticks():
    code = REWARD + 'DOC = """\n```\nnot a fence end\n```\n"""\n'
    assert extract_python_code(f"````python\n{code}````") == code.strip()


def test_whole_reply_used_when_it_is_code():
    assert extract_python_code("\n" + REWARD + "\n\n") == REWARD.strip()
    with pytest.raises(CodeExtractionError, match="no ```python block"):
        extract_python_code("You could write def compute_reward(state) that returns height.")


def test_no_block_message_is_for_the_llm():
    with pytest.raises(CodeExtractionError, match=r"no ```python block defining compute_reward"):
        extract_python_code("I would reward the robot for standing up straight.")
    with pytest.raises(CodeExtractionError) as info:
        extract_python_code("")
    assert "compute_reward(state, action, next_state)" in str(info.value)


def test_syntax_error_names_the_line_within_the_block_and_quotes_it():
    broken = REWARD.replace("r = _upright(next_state)", "r = _upright(next_state")
    reply = "Some prose\nover several\nlines\n" + fenced(broken)
    with pytest.raises(CodeExtractionError) as info:
        extract_python_code(reply)
    message = str(info.value)
    bad_line = broken.splitlines().index("    r = _upright(next_state") + 1
    assert "syntax error on line" in message
    assert f"line {bad_line}" in message or f"line {bad_line + 1}" in message
    assert "_upright(next_state" in message
    assert message.rstrip().endswith("returns (total_reward, components).")


def test_unclosed_fence_is_reported_as_cut_off():
    truncated = "```python\n" + REWARD[: REWARD.index("return r")] + "return r, {"
    with pytest.raises(CodeExtractionError, match="cut off"):
        extract_python_code(truncated)


def test_missing_function_and_nested_definition_are_explained():
    with pytest.raises(CodeExtractionError, match="does not define compute_reward"):
        extract_python_code(fenced("def reward(s, a, s2):\n    return 0\n"))
    nested = "class R:\n    def compute_reward(self, s, a, s2):\n        return 0\n"
    with pytest.raises(CodeExtractionError, match="top level"):
        extract_python_code(fenced(nested))


def test_other_function_names_and_no_check():
    code = "def f(x):\n    return x\n"
    assert extract_python_code(fenced(code), function_name="f") == code.strip()
    assert extract_python_code(fenced("x = 1\n"), function_name=None) == "x = 1"
    with pytest.raises(CodeExtractionError, match=r"defining g\(\.\.\.\)"):
        extract_python_code("no code here", function_name="g")


def test_normalize_merges_formatting_only_differences():
    a = "def compute_reward(s,a,n):\n    # upright bonus\n    return (s['x']*2), {'x': s['x']}\n"
    b = 'def compute_reward(s, a, n):\n\n    return s["x"] * 2, {"x": s["x"]}  # same\n'
    c = 'def compute_reward(s, a, n):\n    return s["x"] * 3, {"x": s["x"]}\n'
    assert normalize_code(a) == normalize_code(b)
    assert code_hash(a) == code_hash(b) != code_hash(c)
    assert len(code_hash(a)) == 16


def test_code_hash_tolerates_unparsable_code():
    assert code_hash("def (:") == code_hash("def (:\n")
    with pytest.raises(SyntaxError):
        normalize_code("def (:")
