"""The one Jinja2 loader: prompts in ``prompts/``, result pages in ``results/templates/``.

``StrictUndefined`` everywhere because Jinja's default renders a missing variable as an empty
string, which would silently send the designer a prompt with holes in it, or write a report or an
exported module with a blank where a value belongs.

The two folders differ in one setting on purpose: HTML templates (``*.html.j2``: the report page)
are autoescaped, because they show reward code, error messages and LLM text that may contain
``<``; every other template (prompts, the exported Python module) is rendered verbatim, because
escaping would corrupt code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from rewardsmith.resources import resource_dir

RESULT_TEMPLATES = Path(__file__).parent / "results" / "templates"
_HTML = ("html.j2", "html")

Filters = tuple[tuple[str, Callable[..., Any]], ...]


@lru_cache(maxsize=8)
def _environment(folder: str, filters: Filters = ()) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=jinja2.select_autoescape(enabled_extensions=_HTML, default_for_string=False,
                                            default=False),
    )
    environment.filters.update(dict(filters))
    return environment


def render_template(name: str, /, **variables: Any) -> str:
    """Render ``prompts/<name>`` with ``variables``; a missing variable raises an error.

    Raises:
        jinja2.UndefinedError: the template uses a variable that was not given.
    """
    return _environment(str(resource_dir("prompts"))).get_template(name).render(**variables)


def render_result_template(name: str, /, *, filters: Mapping[str, Callable[..., Any]] | None = None,
                           **variables: Any) -> str:
    """Render ``rewardsmith/results/templates/<name>``; autoescaped when it is ``*.html.j2``.

    Args:
        name: the template's file name, e.g. ``"report.html.j2"``.
        filters: extra Jinja filters the template uses (e.g. export's ``pyrepr``); keep them
            module-level functions, since each distinct set gets its own cached environment.
        **variables: the template's variables; a missing one raises an error.

    Raises:
        jinja2.UndefinedError: the template uses a variable that was not given.
    """
    extra = tuple(sorted((filters or {}).items()))
    return _environment(str(RESULT_TEMPLATES), extra).get_template(name).render(**variables)
