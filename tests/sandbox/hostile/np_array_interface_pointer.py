# ruff: noqa
"""Hostile: plant __array_interface__ with type() and a computed name, to read raw memory.

type("P", (), {name: ...}) builds a class whose __array_interface__ points numpy at any address
(here 0x1000, unmapped); the name is built at run time so no dunder appears in the source.
Contained: the static check rejects `type`; without it, the worker dies by SIGSEGV alone.

expect: static
expect-unchecked: crashed
error: `type` is not allowed
error-unchecked: killed by SIGSEGV
"""
import numpy as np

NAME = "_" * 2 + "array_interface" + "_" * 2
Pointer = type("Pointer", (), {NAME: {"data": (0x1000, False), "shape": (64,),
                                      "typestr": "<f8", "version": 3}})


def compute_reward(state, action, next_state):
    peek = np.asarray(Pointer())[: len(action)].copy()
    return peek, {"peek": peek}
