"""Render the Jinja2 templates in ``prompts/``.

``StrictUndefined`` because Jinja's default renders a missing variable as an empty string, which
would silently send the designer a prompt with holes in it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from rewardsmith.resources import resource_dir


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("prompts"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_template(name: str, **variables: Any) -> str:
    """Render ``prompts/<name>`` with ``variables``; a missing variable raises an error."""
    return _environment().get_template(name).render(**variables)
