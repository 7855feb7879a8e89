# ruff: noqa
"""Hostile: walk gc.get_objects() for API keys, then lift its own memory limit.

Looks through every live dict (os.environ's store included) for OPENAI_API_KEY and
REWARDSMITH_TEST_TOKEN, and tries resource.setrlimit(RLIMIT_AS, unlimited). Contained: the
worker's environment holds no key, and a process may lower its hard limits but never raise them.

expect: static
expect-unchecked: runtime
error: `import gc` is not allowed
error-unchecked: PermissionError.*no API key among \d+ live objects.*not allowed to raise
"""
import gc
import resource

import numpy as np

WANTED = ("OPENAI_API_KEY", "REWARDSMITH_TEST_TOKEN")


def compute_reward(state, action, next_state):
    objects = gc.get_objects()
    loot = []
    for obj in objects:
        if isinstance(obj, dict):
            for key, value in list(obj.items()):
                if isinstance(key, bytes):
                    key = key.decode(errors="replace")
                if key in WANTED:
                    loot.append(str(value))
    if loot:
        total = next_state.torso_velocity[:, 0]
        return total, {"loot " + " ".join(loot)[:300]: total}
    try:
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except ValueError as e:
        raise PermissionError(f"no API key among {len(objects)} live objects, and RLIMIT_AS "
                              f"stays: {e}") from None
    total = next_state.torso_velocity[:, 0]
    return total, {"unlimited": total}
