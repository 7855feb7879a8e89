"""The rendered reward module and its recipe header (``# rewardsmith-offline: {...}``).

A composed reward carries its terms as one JSON line, so a later iteration, or a resumed run
that has only ``reward.py`` on disk, recovers them with :func:`read_header`.
"""

from __future__ import annotations

import json

from rewardsmith.designers.offline.composer import OfflineDesignError
from rewardsmith.designers.offline.terms import TermChoice, get_term

HEADER = "# rewardsmith-offline: "


def render_source(terms: list[TermChoice], env_id: str) -> str:
    """The complete reward module for ``terms`` (header, imports, ``compute_reward``)."""
    if not terms:
        raise OfflineDesignError("cannot render a reward with no terms")
    header = json.dumps({"env": env_id, "terms": [t.to_json() for t in terms]}, sort_keys=True)
    lines = [HEADER + header,
             '"""Reward composed by the rewardsmith offline designer (no LLM) from terms."""',
             "import numpy as np", "", "",
             "def compute_reward(state, action, next_state):"]
    for t in terms:
        term = get_term(t.term)
        lines.append(f"    # {t.name}: {term.key} x {t.weight!r}: {term.doc.split(':')[0]}")
        lines.append(f"    {t.name} = {t.weight!r} * ({term.render(t.params, t.options)})")
    names = [t.name for t in terms]
    lines.append("    components = {" + ", ".join(f"{n!r}: {n}" for n in names) + "}")
    lines.append(f"    total = {' + '.join(names)}")
    lines.append("    return total, components")
    return "\n".join(lines) + "\n"


def read_header(source: str) -> tuple[str, list[TermChoice]] | None:
    """Recover ``(env_id, terms)`` from a source written by :func:`render_source`, else None."""
    for line in source.splitlines():
        if line.startswith(HEADER):
            try:
                data = json.loads(line[len(HEADER):])
                return data["env"], [TermChoice(**entry) for entry in data["terms"]]
            except (ValueError, KeyError, TypeError):
                return None
    return None
