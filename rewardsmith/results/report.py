"""``rewardsmith report``: one HTML page per run, readable offline.

The page shows the task score of every candidate of every iteration (an inline SVG chart drawn
here, no plotting library), each candidate's reward components over training (small SVG line
charts), the rollout videos (``<video>`` with paths relative to the page), the feedback each
iteration gave, the best code and how it changed, and how to use it (the export and the three
lines that wrap an env with it). Everything but the videos is inside the one
file: CSS and SVG inline, no CDN. It is built from :func:`rewardsmith.results.inspect.inspect_run`
plus each candidate's ``metrics.json``; the HTML lives in ``results/templates/report.html.j2``.

The page is built from untrusted files (a candidate's ``metrics.json`` is written in its
sandbox), so the template is autoescaped (``templates.render_result_template`` turns it on for
``*.html.j2``), the only ``Markup`` values are built here from numbers or from pygments' escaped
HTML, texts are made plain (no control characters, no bidi overrides), and a value of the wrong
type is left out of the page, never an exception.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from rewardsmith.errors import CorruptRunFile
from rewardsmith.plain_text import finite_number, plain_text
from rewardsmith.results.inspect import CandidateView, RunView, inspect_run
from rewardsmith.results.render import cell_text
from rewardsmith.run_dir import METRICS_JSON, REPORT_HTML, RunDir
from rewardsmith.safe_files import read_json, write_text
from rewardsmith.templates import render_result_template

_STATE_COLOURS = {"trained": "#2563eb", "stopped early": "#d97706", "accepted": "#64748b"}
_BEST = "#16a34a"
_FAILED = "#dc2626"


def report_run(path: str | Path, out: str | Path | None = None,
               warn: Callable[[str], None] | None = None) -> Path:
    """Write the HTML report of a run.

    Args:
        path: the run directory.
        out: the HTML file to write (a folder gets ``report.html`` inside it); default
            ``<run>/report.html``. Videos are linked relative to it, so keep the run nearby.
        warn: told about each file of the run that was skipped (unreadable or not what
            rewardsmith writes); the page is written without it.

    Returns:
        The path of the page.

    Raises:
        RewardsmithError: ``path`` is not a rewardsmith run.
        CorruptRunFile: its ``run.json`` or ``state.json`` is not what rewardsmith writes.
    """
    view = inspect_run(path)
    target = Path(out) if out else RunDir(view.path).report_html
    if target.is_dir() and not target.is_symlink():
        target = target / REPORT_HTML
    threshold = view.measure.threshold if view.measure is not None else None
    problems = list(view.problems)
    iterations = [{"index": it.index, "finished": it.finished, "env_steps": it.env_steps,
                   "feedback": plain_text(it.feedback),
                   "candidates": [_candidate(view, it.index, c, target.parent, problems)
                                  for c in it.candidates]}
                  for it in view.iterations]
    best = view.best
    page = render_result_template(
        "report.html.j2", view=view, iterations=iterations, threshold=threshold,
        config={k: plain_text(v) if isinstance(v, str) else v for k, v in view.config.items()},
        width=max((len(it.candidates) for it in view.iterations), default=0),
        fitness_chart=Markup(fitness_chart(view, threshold)),
        best=best,
        best_code=Markup(_highlight(plain_text(best["source"]), "python")) if best else None,
        best_label=f"iteration {best['iteration']}, {best['candidate']}" if best else "",
        diffs=[{"old": old, "new": new,
                "html": Markup(_highlight(plain_text(diff) or "(identical)\n", "diff"))}
               for old, new, diff in view.best_diffs()],
        use_it=_use_it(view) if best else None,
        measure=_measure(view))
    write_text(target, page)
    for problem in problems:
        if warn is not None:
            warn(problem)
    return target


def _use_it(view: RunView) -> dict[str, str]:
    """The "Use it" section: the export command and the three lines that use the module, and
    the same with rewardsmith installed (``RewardWrapper`` given the winner's file)."""
    from rewardsmith.results.export import export_names

    class_name, module_name = export_names(view.config)
    env_id = plain_text(str(view.config.get("env_id") or "?"))
    kwargs = view.config.get("env_kwargs") or {}
    make = f"gym.make({env_id!r}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    return {
        "export": f"rewardsmith export {view.path}",
        "exported": (f"import gymnasium as gym\n"
                     f"from {module_name} import ENV_ID, ENV_KWARGS, {class_name}\n"
                     f"env = {class_name}(gym.make(ENV_ID, **ENV_KWARGS))"),
        "installed": (f"import gymnasium as gym, rewardsmith\n"
                      f"reward = rewardsmith.load_reward({str(RunDir(view.path).best_reward)!r})\n"
                      f"env = rewardsmith.RewardWrapper({plain_text(make)}, reward)"),
        "module_file": f"{module_name}.py",
    }


def _measure(view: RunView) -> dict[str, Any] | None:
    """The success measure section: who wrote it, what it measures, its threshold and code."""
    m = view.measure
    if m is None:
        return None
    return {"origin": plain_text(m.origin), "doc": plain_text(m.doc),
            "threshold": m.threshold,
            "code": Markup(_highlight(plain_text(m.source), "python")) if m.source else None}


def _metrics(c: CandidateView, problems: list[str]) -> dict[str, Any]:
    """The candidate's ``metrics.json`` (written in its sandbox), or {} when it is unusable."""
    if not c.folder.is_dir():
        return {}
    path = c.folder / METRICS_JSON
    try:
        metrics = read_json(path)
    except (CorruptRunFile, OSError) as exc:
        problems.append(f"skipped {c.folder.parent.name}/{c.id}/{METRICS_JSON}: it "
                        f"{getattr(exc, 'problem', None) or exc}")
        return {}
    if metrics is not None and not isinstance(metrics, dict):
        problems.append(f"skipped {c.folder.parent.name}/{c.id}/{METRICS_JSON}: it is not "
                        f"a JSON object")
        return {}
    return metrics or {}


def _candidate(view: RunView, iteration: int, c: CandidateView, page_dir: Path,
               problems: list[str]) -> dict:
    metrics = _metrics(c, problems)
    evals = [e for e in _list(metrics.get("evals")) if isinstance(e, dict)]
    steps = [e.get("steps", i) for i, e in enumerate(evals)]
    fitness = [finite_number(e.get("fitness_mean")) for e in evals]
    parts = [e.get("training_components") if isinstance(e.get("training_components"), dict)
             else {} for e in evals]
    names = list(dict.fromkeys(n for p in parts for n in p))
    components = []
    for name in names:
        means = [finite_number(p[name].get("mean")) if isinstance(p.get(name), dict) else None
                 for p in parts]
        components.append({"name": plain_text(name, 80),
                           "last": next((m for m in reversed(means) if m is not None), None),
                           "chart": Markup(sparkline(steps, means))})
    return {
        "id": c.id, "state": c.state, "fitness": c.fitness, "rank": c.rank,
        "preferred": c.preferred, "error": plain_text(c.error) if c.error else None,
        "steps": c.steps, "is_best": view.is_best(iteration, c.id),
        "cell": plain_text(cell_text(view, iteration, c)),
        "video": Path(os.path.relpath(c.video, page_dir)).as_posix() if c.video else None,
        "fitness_chart": Markup(sparkline(steps, fitness, _BEST)) if any(
            f is not None for f in fitness) else None,
        "last_fitness": next((f for f in reversed(fitness) if f is not None), None),
        "components": components,
        "code": Markup(_highlight(plain_text(c.source), "python")) if c.source else None,
    }


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []



def _highlight(code: str, language: str) -> str:
    """Code as HTML with inline colours (pygments ships with rich)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import DiffLexer, PythonLexer

    lexer = PythonLexer() if language == "python" else DiffLexer()
    return highlight(code, lexer, HtmlFormatter(noclasses=True, nowrap=True, style="friendly"))


def _ticks(low: float, high: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[low, high]``."""
    span = high - low or 1.0
    raw = span / max(n - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9) + 1
    return [round(first + k * step, 10) for k in range(count)]


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.2e}"


def fitness_chart(view: RunView, threshold: float | None = None, width: int = 1100,
                  height: int = 320) -> str:
    """SVG: task score of each candidate per iteration, the best so far, and the threshold."""
    its = view.iterations
    values = [c.fitness for it in its for c in it.candidates if c.fitness is not None]
    if not values:
        return ('<p class="muted">No task scores to plot (no candidate finished training, or the '
                'task has no fitness: see the ranks in the table).</p>')
    left, right, top, bottom = 56, 16, 28, 40
    low = min([0.0, *values])
    high = max(values)
    if threshold is not None and threshold <= high + 0.5 * (high - low):  # else it squashes
        high = max(high, threshold)  # the points: the label says where it is instead
    ticks = _ticks(low, high if high > low else low + 1)
    low, high = min(ticks[0], low), max(ticks[-1], high)
    band = (width - left - right) / max(len(its), 1)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'class="chart" role="img" aria-label="task score per candidate per iteration">']
    for t in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                     f'class="grid"/><text x="{left - 6}" y="{y(t) + 4:.1f}" '
                     f'text-anchor="end">{_fmt(t)}</text>')
    if threshold is not None and threshold > high:
        parts.append(f'<text x="{width - right}" y="{top - 10}" text-anchor="end" '
                     f'class="threshold-label">success threshold {_fmt(threshold)} is above '
                     f'the chart &#8593;</text>')
    elif threshold is not None:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(threshold):.1f}" '
                     f'y2="{y(threshold):.1f}" class="threshold"/><text x="{width - right}" '
                     f'y="{y(threshold) - 5:.1f}" text-anchor="end" class="threshold-label">'
                     f'success {_fmt(threshold)}</text>')
    best_line, best = [], None
    for i, it in enumerate(its):
        centre = left + band * (i + 0.5)
        parts.append(f'<text x="{centre:.1f}" y="{height - bottom + 18}" text-anchor="middle">'
                     f'iteration {it.index}</text>')
        k = len(it.candidates)
        for j, c in enumerate(it.candidates):
            x = centre + (j - (k - 1) / 2) * min(band * 0.7 / max(k, 1), 22)
            tip = html.escape(f"iteration {it.index} {c.id}: {cell_text(view, it.index, c)}")
            if c.fitness is None:
                yy = height - bottom - 6
                parts.append(f'<g><title>{tip}</title><path d="M{x - 4:.1f},{yy - 4:.1f} '
                             f'l8,8 m0,-8 l-8,8" stroke="{_FAILED}" stroke-width="2"/></g>')
                continue
            is_best = view.is_best(it.index, c.id)
            colour = _BEST if is_best else _STATE_COLOURS.get(c.state, "#64748b")
            fill = colour if c.state != "stopped early" else "white"
            parts.append(f'<g><title>{tip}</title><circle cx="{x:.1f}" cy="{y(c.fitness):.1f}" '
                         f'r="{7 if is_best else 5}" fill="{fill}" stroke="{colour}" '
                         f'stroke-width="2"/></g>')
        scores = [c.fitness for c in it.candidates if c.fitness is not None]
        if scores:
            best = max([*scores, best]) if best is not None else max(scores)
        if best is not None:
            best_line += [(left + band * i, y(best)), (left + band * (i + 1), y(best))]
    if best_line:
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in best_line)
        parts.append(f'<polyline points="{points}" class="best-line"/>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" class="axis"/>'
                 f'<text x="14" y="{(height - bottom + top) / 2:.0f}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {(height - bottom + top) / 2:.0f})">task score</text>'
                 '</svg>')
    return "".join(parts)


def sparkline(xs: list[Any], ys: list[float | None], colour: str = "#2563eb", width: int = 220,
              height: int = 46) -> str:
    """SVG: a small line chart of ``ys`` over ``xs`` with its first and last values marked."""
    pairs = ((finite_number(x), finite_number(v)) for x, v in zip(xs, ys, strict=False))
    pts = [(x, v) for x, v in pairs if x is not None and v is not None]
    if not pts:
        return '<span class="muted">no data</span>'
    x0, x1 = pts[0][0], pts[-1][0]
    lo, hi = min(v for _, v in pts), max(v for _, v in pts)
    pad = 4

    def sx(x: float) -> float:
        return pad + (width - 2 * pad) * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def sy(v: float) -> float:
        return pad + (height - 2 * pad) * (1 - ((v - lo) / (hi - lo) if hi > lo else 0.5))

    line = " ".join(f"{sx(x):.1f},{sy(v):.1f}" for x, v in pts)
    tip = html.escape(f"{_fmt(pts[0][1])} at step {int(x0)} -> {_fmt(pts[-1][1])} at step "
                      f"{int(x1)} (range {_fmt(lo)} to {_fmt(hi)})")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'class="spark"><title>{tip}</title><polyline points="{line}" fill="none" '
            f'stroke="{colour}" stroke-width="1.8"/><circle cx="{sx(pts[-1][0]):.1f}" '
            f'cy="{sy(pts[-1][1]):.1f}" r="2.5" fill="{colour}"/></svg>')
