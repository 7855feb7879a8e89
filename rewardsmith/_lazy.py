"""Lazy package attributes (PEP 562): a name is imported from its module on first use.

``import rewardsmith`` and the subpackages stay fast and free of torch, SB3, MuJoCo, rich and Ray
until a name that needs them is used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` on first use.

    Args:
        package: the package's ``__name__``.
        exports: public name -> the module that defines it.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    return __getattr__
