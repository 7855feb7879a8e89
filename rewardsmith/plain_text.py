"""Plain text for the terminal: strip what a candidate or an LLM could use to drive the terminal.

Every text that comes from outside the trusted code (a candidate's error message, an LLM reply, a
file of a run directory, an exception that quotes either) may hold terminal escape sequences:
``ESC[2J`` clears the screen, ``ESC]0;...`` sets the window title, ``ESC]52;c;...`` writes the
user's clipboard, ``ESC]8;;url`` hides a link behind text. Bidi overrides (U+202E) make text
read differently from what it is (Trojan Source). :func:`plain_text` removes all of them and
leaves the text readable: letters, digits, punctuation, newlines and tabs.

It does not escape rich markup (``[bold]``): that is the printer's job
(``rich.markup.escape`` or ``markup=False``), because an HTML page needs other escaping.
:func:`finite_number` is the same idea for numbers read from untrusted data: a finite float or
nothing. This module imports nothing from rewardsmith, so every layer may use it.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["finite_number", "plain_text"]

# Escape sequences, 7-bit (ESC ...) and 8-bit (a C1 introducer), as ECMA-48 defines them:
#   CSI  ESC [ or 0x9b, parameter bytes 0x30-0x3f, intermediate bytes 0x20-0x2f, final 0x40-0x7e
#   OSC  ESC ] or 0x9d, anything up to BEL or ST (ESC \ or 0x9c)
#   DCS, SOS, PM, APC (ESC P X ^ _ or 0x90 0x98 0x9e 0x9f): a string up to ST
#   (an unterminated string ends at the end of its line: the lines after it stay readable)
#   any other ESC + intermediates + final byte (charset selection, RIS ``ESC c``, ...)
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c\n]*(?:\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# What is left after the sequences: C0 controls but tab and newline, DEL, C1 controls, the bidi
# embeddings, overrides, isolates and marks, and lone surrogates (a decoded byte that was not
# UTF-8: printing one raises UnicodeEncodeError on a UTF-8 terminal).
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ELLIPSIS = "…"


def plain_text(s: object, max_len: int | None = None) -> str:
    """Return ``s`` as text that cannot drive a terminal, optionally cut to ``max_len`` characters.

    Removed: ANSI CSI, OSC, DCS/SOS/PM/APC and other escape sequences (7-bit and 8-bit forms);
    C0 and C1 control characters except newline and tab (a carriage return would let a line
    overwrite the one before it, so ``\\r\\n`` becomes ``\\n`` and a lone ``\\r`` goes); the
    bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9). A lone surrogate becomes U+FFFD.

    Args:
        s: the text; anything else is turned into text with ``str`` first (an exception, a path).
        max_len: the longest result wanted; a longer text is cut and ends in ``…`` so the reader
            knows it was cut. ``None`` keeps it whole.

    Returns:
        The cleaned text, at most ``max_len`` characters when given.

    Raises:
        ValueError: ``max_len`` is less than 1.
    """
    if max_len is not None and max_len < 1:
        raise ValueError(f"plain_text: max_len must be at least 1, got {max_len}")
    text = s if isinstance(s, str) else str(s)
    text = _ESCAPES.sub("", text.replace("\r\n", "\n"))
    text = _UNPRINTABLE.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    if max_len is not None and len(text) > max_len:
        text = text[: max_len - 1] + _ELLIPSIS
    return text


def finite_number(value: Any) -> float | None:
    """A finite float, or None for anything else (text, bools, NaN, infinities, huge integers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
