# ruff: noqa
"""Hostile: read dunders with match class patterns, which need no attribute syntax at all.

`case object(__class__=c)` reads `subject.__class__`; chained, the patterns reach
object.__subclasses__(), os._wrap_close and its module's system(). Contained in the checked
mode by the rule on class-pattern keywords; without it, seccomp refuses the clone behind
system(), which glibc reports as the shell's exit status 127 (status 32512).

expect: static
expect-unchecked: runtime
error: case object\(__class__=\.\.\.\)
error-unchecked: RuntimeError.*system\(\) could not run the shell \(status 32512\)
"""
import numpy as np


def compute_reward(state, action, next_state):
    match ():
        case object(__class__=object(__base__=object(__subclasses__=subclasses))):
            pass
    for cls in subclasses():
        match cls:
            case object(__name__="_wrap_close", __init__=object(__globals__=module)):
                status = module["system"]("echo pwned > @CANARY_DIR@/pwned_match")
                if status != 0:
                    raise RuntimeError(f"system() could not run the shell (status {status})")
    total = next_state.torso_velocity[:, 0]
    return total, {"forward": total}
