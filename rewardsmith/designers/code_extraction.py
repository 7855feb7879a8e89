"""Pull the reward program out of an LLM reply, and give candidates a canonical form.

The reply is split into Markdown fenced blocks by a small line scanner, and the chosen block is
checked with ``ast``: no regex fall-through to "whatever text is left", and no silent trimming
of helper functions (the failure modes of Eureka's extractor). Every error message is written
so it can be sent back to the LLM unchanged as a repair request.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from dataclasses import dataclass

from rewardsmith.ast_parse import parse
from rewardsmith.errors import RewardsmithError

REWARD_FUNCTION = "compute_reward"
_PYTHON_TAGS = {"python", "py", "python3", "py3"}
_SIGNATURE = "compute_reward(state, action, next_state)"


class CodeExtractionError(RewardsmithError, ValueError):
    """The reply held no usable Python code; ``str(error)`` is a message for the LLM."""


@dataclass(frozen=True)
class _Block:
    """One fenced block: its info-string language (lowercase, may be empty) and its body."""

    lang: str
    code: str
    closed: bool


def extract_python_code(text: str, function_name: str | None = REWARD_FUNCTION) -> str:
    """Return the Python module in an LLM reply, checked to parse.

    Choice of block: the last ```python (or ```py) block that defines ``function_name``; else
    the last bare or other-language block that defines it; else the last ```python block (so
    its error can be reported); else the whole reply, if it is Python by itself.

    Args:
        text: the LLM's reply.
        function_name: a top-level function the code must define; ``None`` skips the check.

    Returns:
        The code, stripped of surrounding blank lines.

    Raises:
        CodeExtractionError: no block, a syntax error (with line number), or no definition of
            ``function_name``. The message is addressed to the LLM.
    """
    blocks = _fenced_blocks(text)
    python = [b for b in blocks if b.lang in _PYTHON_TAGS]
    other = [b for b in blocks if b.lang not in _PYTHON_TAGS]
    wanted = f"def {function_name}" if function_name else ""
    chosen = (
        next((b for b in reversed(python) if wanted in b.code), None)
        or next((b for b in reversed(other) if wanted and wanted in b.code), None)
        or (python[-1] if python else None)
    )
    if chosen is None:
        whole = _dedent_strip(text)
        # Bare code without fences is accepted when it parses (and defines the function):
        # prose that merely mentions the function, or happens to parse, is not.
        if whole and _parses(whole) and wanted in whole:
            chosen = _Block("", whole, True)
        else:
            target = f" defining {_describe(function_name)}" if function_name else ""
            raise CodeExtractionError(
                f"Your reply contained no ```python block{target}. {_ask_again(function_name)}"
            )
    code = _dedent_strip(chosen.code)
    _check_syntax(code, truncated=not chosen.closed, function_name=function_name)
    if function_name:
        _check_defines(code, function_name)
    return code


def normalize_code(src: str) -> str:
    """Return a canonical form of ``src`` (``ast.unparse``), to merge identical candidates.

    Formatting, comments and quote style disappear; anything that changes behaviour stays.

    Raises:
        SyntaxError: ``src`` does not parse.
    """
    return ast.unparse(parse(src))


def code_hash(src: str) -> str:
    """Return a 16-hex-digit SHA-256 of the normalized code (of the raw text if it won't parse).

    Two candidates that differ only in formatting or comments get the same hash.
    """
    try:
        canonical = normalize_code(src)
    except SyntaxError:
        canonical = src.strip()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _fenced_blocks(text: str) -> list[_Block]:
    """Split Markdown into fenced blocks; an unclosed last fence runs to the end of the text.

    A fence is three or more backticks (or tildes) and closes on a line of the same character
    at least as long, as in CommonMark, so a ```` fence can quote a ``` inside it.
    """
    blocks: list[_Block] = []
    fence: str | None = None
    lang = ""
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if fence is None:
            if stripped.startswith(("```", "~~~")):
                fence = stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))]
                info = stripped[len(fence) :].strip()
                lang = info.split()[0].lower() if info else ""
                body = []
        elif stripped.startswith(fence) and not stripped.lstrip(fence[0]):
            blocks.append(_Block(lang, "\n".join(body), True))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        blocks.append(_Block(lang, "\n".join(body), False))
    return blocks


def _dedent_strip(code: str) -> str:
    """Remove common indentation (fences inside lists are indented) and outer blank lines."""
    return textwrap.dedent(code).strip("\n").rstrip()


def _parses(code: str) -> bool:
    try:
        parse(code)
    except SyntaxError:
        return False
    return True


def _check_syntax(code: str, truncated: bool, function_name: str | None) -> None:
    """Raise a :class:`CodeExtractionError` that quotes the failing line, for the LLM."""
    try:
        parse(code)
    except SyntaxError as exc:
        lineno = exc.lineno or 0
        lines = code.splitlines()
        source_line = lines[lineno - 1].rstrip() if 0 < lineno <= len(lines) else ""
        where = f"line {lineno} of the ```python block"
        parts = [f"Your reward code has a syntax error on {where}: {exc.msg}."]
        if source_line:
            parts.append(f"    {source_line}")
            if exc.offset:
                parts.append("    " + " " * max(0, exc.offset - 1) + "^")
        if truncated:
            parts.append(
                "The ```python block was never closed, so your reply was probably cut off; "
                "keep the module shorter."
            )
        parts.append(_ask_again(function_name))
        raise CodeExtractionError("\n".join(parts)) from None


def _check_defines(code: str, function_name: str) -> None:
    """Require ``def function_name`` at the module's top level."""
    tree = parse(code)
    top = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    if function_name in top:
        return
    nested = any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function_name
        for n in ast.walk(tree)
    )
    problem = (
        f"defines {function_name} inside another block (or as async) instead of at the top level"
        if nested
        else f"does not define {_describe(function_name)}"
    )
    raise CodeExtractionError(f"Your ```python block {problem}. {_ask_again(function_name)}")


def _describe(function_name: str) -> str:
    return _SIGNATURE if function_name == REWARD_FUNCTION else f"{function_name}(...)"


def _ask_again(function_name: str | None) -> str:
    """The closing request of every message: what a correct reply looks like."""
    if function_name == REWARD_FUNCTION:
        return (
            f"Reply with the complete reward module in one ```python block that defines "
            f"{_SIGNATURE} at the top level and returns (total_reward, components)."
        )
    target = f" that defines {function_name}(...) at the top level" if function_name else ""
    return f"Reply with the complete module in one ```python block{target}."
