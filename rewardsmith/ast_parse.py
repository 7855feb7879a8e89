"""``ast.parse`` behind one lock, for code checked in several threads at once.

CPython 3.11 counts recursion while it builds AST objects in state shared by every thread
(python/cpython#106905), so two threads parsing at the same time can fail with "SystemError: AST
constructor recursion depth mismatch". The design loop checks candidates in parallel threads.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """Parse ``source`` like :func:`ast.parse`, one thread at a time."""
    with _LOCK:
        return ast.parse(source, filename=filename)
