# ruff: noqa
"""Hostile: find BuiltinImporter among object.__subclasses__() and load posix with it.

No import statement, no os: the importer hands out the posix module, whose system() and setuid()
it then calls. Contained: seccomp refuses the clone behind system() (glibc reports status
127 << 8), and setuid needs a capability the worker does not have.

expect: static
expect-unchecked: runtime
error: line \d+ \[dunder\]
error-unchecked: PermissionError.*Operation not permitted
"""
import numpy as np


def compute_reward(state, action, next_state):
    importer = [c for c in ().__class__.__base__.__subclasses__()
                if c.__name__ == "BuiltinImporter"][0]
    posix = importer.load_module("posix")
    status = posix.system("echo pwned > @CANARY_DIR@/pwned_importer")
    posix.setuid(0)
    total = next_state.torso_velocity[:, 0] + status
    return total, {"forward": total}
