"""Warn, once, when a reward wrapper sits above wrappers that change what it should see.

Placed above a wrapper that clips or rescales actions, the reward prices the action the agent
asked for rather than the one the robot took; above one that normalises, clips or transforms
rewards, that work is thrown away (the designed reward replaces whatever it returned); above
one that counts episode returns (gymnasium's ``RecordEpisodeStatistics``, SB3's ``Monitor``),
the logs show the env's own return. None of this raises, so it used to go unnoticed
(issue 14): the warning names the wrappers and says where the reward wrapper goes instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

_CONSEQUENCE = {
    "reward": "changes rewards: the designed reward replaces what it returns, so it does nothing",
    "action": "changes actions: the reward prices the action before that change, not the one "
              "the robot took",
    "episode statistics": "counts episode returns: its own records hold the env's return; "
                          "info['episode']['r'] is set to the designed return, its files and "
                          "queues are not",
}
_warned: set[tuple[str, tuple[tuple[str, str], ...]]] = set()


def check_placement(owner: str, below: Iterable[tuple[str, str | None]], fix: str,
                    ignore: Iterable[str] = (), stacklevel: int = 3) -> str | None:
    """Warn once per process and placement when ``below`` holds a wrapper that matters.

    Args:
        owner: the reward wrapper's name, as the message starts with it.
        below: ``(class name, kind)`` of the wrappers under it (see
            :func:`rewardsmith.rl.capture.wrapper_chain`); kind ``None`` is harmless.
        fix: the sentence that says where to put it instead.
        ignore: kinds not to warn about here.
        stacklevel: passed to :func:`warnings.warn` (the user's line, not ours).

    Returns:
        The message, or ``None`` when nothing was wrong.
    """
    skipped = set(ignore)
    found = tuple((name, kind) for name, kind in below if kind and kind not in skipped)
    if not found:
        return None
    seen, parts = [], []
    for name, kind in found:
        if (name, kind) not in seen:
            seen.append((name, kind))
            parts.append(f"{name} ({_CONSEQUENCE[kind]})")
    message = f"{owner} is placed above {'; '.join(parts)}. {fix}"
    key = (owner, tuple(seen))
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, UserWarning, stacklevel=stacklevel)
    return message
