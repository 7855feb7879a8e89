"""The one Jinja loader (rewardsmith.templates): strict everywhere, escaping only HTML."""

from __future__ import annotations

import ast
from pathlib import Path

import jinja2
import pytest

from rewardsmith import templates
from rewardsmith.templates import render_result_template, render_template

PACKAGE = Path(templates.__file__).parent


def test_a_prompt_with_a_missing_variable_raises_instead_of_leaving_a_hole() -> None:
    with pytest.raises(jinja2.UndefinedError, match="candidate"):
        render_template("text_feedback.md.j2", text="flip less")


@pytest.mark.parametrize("name", ["report.html.j2", "export_module.py.j2"])
def test_a_result_template_with_a_missing_variable_raises_instead_of_leaving_a_hole(
        name: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_result_template(name, filters={"pyrepr": repr})


def test_prompts_are_rendered_verbatim_not_html_escaped() -> None:
    text = render_template("text_feedback.md.j2", text="keep x < 1 & y > 0",
                           candidate={"id": "c", "source": "if a < b: pass", "analysis": ""})
    assert "keep x < 1 & y > 0" in text and "if a < b: pass" in text


def test_html_result_templates_are_escaped_and_the_others_are_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "page.html.j2").write_text("<p>{{ x }}</p>")
    (tmp_path / "module.py.j2").write_text("X = {{ x | pyrepr }}\n")
    monkeypatch.setattr(templates, "RESULT_TEMPLATES", tmp_path)
    assert render_result_template("page.html.j2", x="a < b") == "<p>a &lt; b</p>"
    assert render_result_template("module.py.j2", filters={"pyrepr": repr},
                                  x="a < b") == "X = 'a < b'\n"


def test_no_module_but_templates_builds_a_jinja_environment() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == Path(templates.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "Environment" \
                    and isinstance(node.value, ast.Name) and node.value.id == "jinja2":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, f"render through rewardsmith.templates instead: {found}"
