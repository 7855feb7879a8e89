"""``rewardsmith design`` and ``rewardsmith resume``: thin wrappers over rewardsmith.run.api.

Both check their inputs before any work (``--out``, the run folder; the settings are checked by
``DesignConfig``), print what comes from candidates as plain text, and exit 1 with one line
saying why and where the run is when no candidate trained.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from rewardsmith.cli._console import console, safe, writable_folder
from rewardsmith.errors import CorruptRunFile, RewardsmithError
from rewardsmith.evaluator.halving import DEFAULT_RUNGS_TEXT
from rewardsmith.plain_text import plain_text
from rewardsmith.results.inspect import inspect_run
from rewardsmith.results.run_root import open_run, read_root
from rewardsmith.run_dir import RunDir


def _events(console: Any, run_holder: dict) -> Any:
    """Print the loop's own events; the evaluator draws its live table itself.

    Candidate ids, stages and errors are shown as plain text: an error is often the
    candidate's own exception message.
    """

    def on_event(event: dict) -> None:
        kind = event.get("event")
        if kind == "run":
            run_holder["path"] = event["path"]
        elif kind == "iteration":
            console.rule(f"iteration {safe(event.get('iteration'))}")
        elif kind == "drafted":
            console.print(f"designer wrote {safe(event.get('n'))} distinct candidate(s)")
        elif kind == "rejected":
            console.print(f"  [yellow]{safe(event.get('candidate'))} rejected[/] at "
                          f"{safe(event.get('stage'))}: {safe(event.get('error'), 300)}",
                          highlight=False)
        elif kind == "accepted":
            attempts = event.get("attempts")
            repairs = f" after {safe(attempts)} repair(s)" if attempts else ""
            console.print(f"  [green]{safe(event.get('candidate'))} accepted[/]{repairs}")
        elif kind in ("candidate_done", "candidate_failed", "rung_done") and \
                not console.is_terminal:
            fitness = _number(event.get("fitness"))
            console.print(f"  {safe(event.get('candidate'))}: {kind.replace('_', ' ')}"
                          + (f", fitness {fitness:.3f}" if fitness is not None else ""),
                          highlight=False)
        elif kind == "succeeded":
            console.print(f"  {safe(event.get('candidate'))} reached the success threshold: "
                          f"the iteration ends here", highlight=False)
        elif kind == "skipped" and not console.is_terminal:
            console.print(f"  {safe(event.get('candidate'))}: not trained", highlight=False)

    return on_event


def _number(value: Any) -> float | None:
    """A number to format, or None: event fields can carry what a sandbox wrote."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value) if math.isfinite(value) else None
    except OverflowError:  # an int too big for a float
        return None


def _say(console: Any) -> Any:
    """A ``say`` callback that prints a line as plain text (it may quote the user's text)."""
    return lambda line: console.print(Text(plain_text(line)), highlight=False)


def design_cli(
    text: Annotated[str | None, typer.Argument(help="What you want, e.g. \"make the half "
                                                    "cheetah run backwards\".")] = None,
    env: Annotated[str | None, typer.Option(help="Environment id (default: named in the "
                                                 "text).")] = None,
    task: Annotated[str | None, typer.Option(help="Built-in task id (rewardsmith envs).")]
    = None,
    model: Annotated[str | None, typer.Option(help="LLM model name; a provider prefix "
                                                   "(anthropic/..., gemini/..., bedrock/...) "
                                                   "goes through litellm.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (vLLM, "
                                                      "Ollama, llama.cpp, OpenAI).")] = None,
    candidates: Annotated[int, typer.Option(help="Candidates per iteration (K).")] = 4,
    iterations: Annotated[int, typer.Option(help="Iterations at most (N).")] = 3,
    steps: Annotated[int | None, typer.Option(help="Training budget per candidate (default: "
                                                   "the task's).")] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel trainings (default: cores).")]
    = None,
    executor: Annotated[str, typer.Option(help="local or ray.")] = "local",
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address.")] = None,
    feedback: Annotated[str, typer.Option(help="reflection, preference (you rank videos) or "
                                               "synthetic (an oracle ranks by fitness).")]
    = "reflection",
    rank_in: Annotated[str, typer.Option(help="For --feedback preference: web or terminal.")]
    = "web",
    designer: Annotated[str, typer.Option(help="auto (LLM if configured, else offline), llm "
                                               "or offline.")] = "auto",
    max_cost: Annotated[float | None, typer.Option(help="Stop before spending more USD.")]
    = None,
    max_tokens: Annotated[int | None, typer.Option(help="Stop before using more tokens.")]
    = None,
    out: Annotated[Path, typer.Option(help="Folder for run directories.")] = Path("runs"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    halving: Annotated[bool, typer.Option(help="Stop weak candidates early.")] = True,
    rungs: Annotated[str, typer.Option(help="Halving rungs: fractions of the budget where "
                                            "the weaker half stops, the last 1.")]
    = DEFAULT_RUNGS_TEXT,
    min_keep: Annotated[int, typer.Option(help="Fewest candidates a rung promotes (2 trains "
                                               "the two leaders on the whole budget).")] = 1,
    timeout: Annotated[float | None, typer.Option(help="Seconds one LLM request may take "
                                                       "before it is retried (default: the "
                                                       "[llm] config's timeout_s, 120).")]
    = None,
    fitness: Annotated[Path | None, typer.Option(
        help="Your success measure: a fitness.py defining compute_fitness(state, action, "
             "next_state) -> (B,) and SUCCESS_THRESHOLD (check it with `rewardsmith check "
             "FILE --env ENV`). Default: the matching built-in task's, else the designer "
             "writes one.")] = None,
    threshold: Annotated[float | None, typer.Option(
        help="Success threshold of the episode fitness (overrides the measure's own).")]
    = None,
    accept_approximation: Annotated[bool, typer.Option(
        help="Offline designer: when the request asks for something outside its vocabulary, "
             "train the nearest reward it can compose (the rationale lists what was dropped) "
             "instead of stopping.")] = False,
    video: Annotated[bool, typer.Option(
        help="Record a rollout video in each training job (--no-video: faster; rendering "
             "takes seconds per job on a CPU; --feedback preference needs the videos).")]
    = True,
    stop_on_success: Annotated[bool, typer.Option(
        help="End the run at the first candidate that reaches the success threshold: its "
             "training ends there, trainings not yet started are skipped and running ones end "
             "at their next evaluation. --no-stop-on-success trains every iteration in full "
             "and keeps the best.")] = True,
) -> None:
    """Design a reward for what you describe (the main job).

    The designer (an LLM, or the offline designer when none is configured) writes K candidates;
    the critic and the sandbox check them; short trainings score them; feedback steers the next
    iteration. With no TEXT and no --task, the built-in default task runs.
    """
    from rewardsmith.run.api import design

    parsed_rungs = _rungs(rungs)
    writable_folder(out, "--out")
    if fitness is not None and not fitness.is_file():
        raise RewardsmithError(f"--fitness {fitness}: no such file")
    holder: dict = {}
    with _resumable(console, holder):
        run = design(text, env=env, task=task, out=out, on_event=_events(console, holder),
                     say=_say(console), model=model,
                     base_url=base_url, candidates=candidates, iterations=iterations,
                     steps=steps, workers=workers, executor=executor, ray_address=ray_address,
                     feedback=feedback, rank_mode=rank_in, designer=designer,
                     max_cost=max_cost, max_tokens=max_tokens, seed=seed, halving=halving,
                     rungs=parsed_rungs, min_keep=min_keep, timeout=timeout,
                     fitness_file=str(fitness) if fitness is not None else None,
                     threshold=threshold, accept_approximation=accept_approximation,
                     stop_on_success=stop_on_success,
                     **({} if video else {"train_kwargs": {"video": False}}))
    _print_result(console, run)


def _rungs(text: str) -> tuple[float, ...]:
    from rewardsmith.evaluator.halving import parse_rungs

    try:
        return parse_rungs(text, "--rungs")
    except ValueError as e:
        raise RewardsmithError(str(e)) from None


def resume_cli(
    run: Annotated[Path, typer.Argument(help="The run directory to continue.")],
    timeout: Annotated[float | None, typer.Option(help="Seconds one LLM request may take "
                                                       "(default: the run's setting).")]
    = None,
) -> None:
    """Continue a stopped design run (after Ctrl-C or kill -9).

    Finished candidates and recorded LLM replies are reused, never paid for twice.
    """
    from rewardsmith.run.api import resume

    check_resumable(open_run(run))
    overrides = {"timeout": timeout} if timeout is not None else {}
    with _resumable(console, {"path": str(run)}):
        result = resume(run, on_event=_events(console, {}), say=_say(console), **overrides)
    _print_result(console, result)


def check_resumable(run: RunDir) -> None:
    """Check the files a resume reads back, so a bad one is one line naming it, not a crash
    deep in the loop: each finished iteration's ``summary.json`` and ``report.json``, a pending
    ``refine.json``, the ``candidates.json`` of an unfinished iteration, and that no folder it
    writes into (``best/``, ``llm/``, ``iter_<i>/``, ``cand_<j>/``) is a symlink.

    (``open_run`` has checked ``run.json`` and ``state.json``.) A bad file is reported as
    :class:`CorruptRunFile`, whose message says to delete it: the resume then redoes its step.

    Raises:
        CorruptRunFile: the first file that is not what rewardsmith writes.
    """
    from dataclasses import fields  # the loop's records; imported here, not at --help time

    from rewardsmith.designers.candidates import CandidateRecord
    from rewardsmith.feedback.sources import ScoredCandidate
    from rewardsmith.run_dir import CANDIDATE_PREFIX, ITERATION_PREFIX
    from rewardsmith.safe_files import read_json

    scored_keys = {f.name for f in fields(ScoredCandidate)}
    record_keys = {f.name for f in fields(CandidateRecord)}
    if run.best_dir.exists() and not run.best_dir.is_dir():
        raise CorruptRunFile(run.best_dir, "is a file where rewardsmith keeps the best "
                                           "reward's folder")
    # A resume writes into these folders: through a symlink it would write anywhere.
    iterations = f"{ITERATION_PREFIX}*"  # every one, links included (iterations() skips links)
    folders = [run.best_dir, run.llm_dir, *run.root.glob(iterations),
               *run.root.glob(f"{iterations}/{CANDIDATE_PREFIX}*")]
    for folder in folders:
        if folder.is_symlink():
            raise CorruptRunFile(folder, "is a symbolic link; rewardsmith writes into this "
                                         "folder and never follows a link out of a run")
    for i in run.iterations():
        summary = read_json(run.summary_json(i))
        if summary is not None:
            _check_summary(run.summary_json(i), summary, scored_keys)
            report = read_json(run.report_json(i))
            if report is not None and not isinstance(report, dict):
                raise CorruptRunFile(run.report_json(i), "is not a JSON object")
        else:
            drafts = read_json(run.candidates_json(i))
            if drafts is not None and not _records(drafts, record_keys, {"id", "accepted"}):
                raise CorruptRunFile(run.candidates_json(i), "is not a list of candidate "
                                                             "records")
        refine = read_json(run.refine_json(i)) if run.refine_json(i).exists() else None
        if refine is not None and not (
                isinstance(refine, dict) and all(isinstance(refine.get(k), str) for k in
                                                 ("sentence", "candidate_id", "prompt"))
                and _records(refine.get("previous", []), scored_keys, _SCORED_NEEDS)):
            raise CorruptRunFile(run.refine_json(i), "is not a refinement request (sentence, "
                                                     "candidate_id, prompt, previous)")


_SCORED_NEEDS = {"id", "source", "fitness", "failed", "analysis"}  # ScoredCandidate's required


def _check_summary(path: Path, summary: Any, keys: set[str]) -> None:
    """An iteration's summary as run.loop writes it, or CorruptRunFile."""
    if not isinstance(summary, dict):
        raise CorruptRunFile(path, "is not a JSON object")
    for key in ("feedback", "history_line"):
        if not isinstance(summary.get(key), str):
            raise CorruptRunFile(path, f"has no '{key}' text")
    order = summary.get("order")
    if not isinstance(order, list) or not all(isinstance(c, str) for c in order):
        raise CorruptRunFile(path, "has no 'order' list of candidate ids")
    if not _records(summary.get("candidates"), keys, _SCORED_NEEDS):
        raise CorruptRunFile(path, "has no list of scored candidates with the keys "
                                   "rewardsmith writes")


def _records(value: Any, allowed: set[str], required: set[str]) -> bool:
    """``value`` is a list of objects with every ``required`` key and only ``allowed`` ones."""
    return isinstance(value, list) and all(
        isinstance(v, dict) and required <= v.keys() <= allowed and isinstance(v.get("id"), str)
        for v in value)


@contextmanager
def _resumable(console: Any, run_holder: dict) -> Iterator[None]:
    """On Ctrl-C, say how to continue (typer would exit 130 silently)."""
    try:
        yield
    except KeyboardInterrupt:
        where = run_holder.get("path", "RUN")
        console.print(f"[yellow]interrupted[/]: finished work is on disk; "
                      f"`rewardsmith resume {safe(where)}` continues where it stopped.",
                      highlight=False)
        raise typer.Exit(130) from None


def _print_result(console: Any, run: Any) -> None:
    """Print the best candidate; without one, raise: a run in which nothing trained failed.

    Raises:
        RewardsmithError: no candidate trained; the message says why (how many were rejected
            or failed, and one error) and where the run is.
    """
    root = RunDir(run.path)
    _, state = read_root(root)
    best = state["best"]
    if best is None:
        raise RewardsmithError(nothing_trained(run.path))
    fitness = _number(best.get("fitness"))
    score = f" task score {fitness:.3f}" if fitness is not None else ""
    console.rule("result")
    console.print(Text(plain_text(f"best: iteration {best['iteration']}, {best['candidate']}"
                                  f"{score}")), highlight=False)
    reeval = state["best_reeval"] or {}
    if reeval.get("fitness_mean") is not None:
        console.print(f"re-evaluated: {reeval['fitness_mean']:.3f} ± "
                      f"{reeval.get('fitness_sem') or 0:.3f} (mean ± s.e.)", highlight=False)
    if state["success"] is not None:
        console.print("success threshold reached" if state["success"] else
                      "success threshold not reached", highlight=False)
    console.print(Text(plain_text(f"reward: {root.best_reward}\nreport: {root.best_report}")),
                  highlight=False, soft_wrap=True)


def nothing_trained(path: Path) -> str:
    """Why no candidate of the run at ``path`` trained, and where to look: one line."""
    where = f"no candidate trained in {path}"
    look = f"`rewardsmith inspect {path}` shows each candidate and its error"
    try:
        view = inspect_run(path)
    except RewardsmithError:
        return f"{where}; {look}"
    candidates = [(it.index, c) for it in view.iterations for c in it.candidates]
    if not candidates:
        return f"{where}: the designer wrote no candidate; {look}"
    rejected = sum(c.state == "rejected" for _, c in candidates)
    failed = sum(c.state == "failed" for _, c in candidates)
    trained = sum(c.state in ("trained", "stopped early") for _, c in candidates)
    if trained:
        return (f"no best candidate in {path}: its state.json names none although {trained} "
                f"candidate(s) trained (was state.json lost or replaced?); {look}")
    parts = [f"{rejected} of {len(candidates)} rejected before training (critic or smoke "
             f"test)"] if rejected else []
    if failed:
        parts.append(f"{failed} failed in training")
    example = next(((i, c) for i, c in candidates if c.error), None)
    why = ", ".join(parts) or "none finished training"
    if example is not None:
        i, c = example
        why += f"; e.g. iteration {i} {c.id}: {plain_text(' '.join(c.error.split()), 240)}"
    return f"{where}: {why}. {look}"


def register(app: typer.Typer) -> None:
    """Add ``design`` and ``resume`` to the app."""
    app.command("design")(design_cli)
    app.command("resume")(resume_cli)
