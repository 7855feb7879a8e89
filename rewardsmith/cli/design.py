"""``rewardsmith design`` and ``rewardsmith resume``: thin wrappers over rewardsmith.run.api."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from rewardsmith.evaluator.halving import DEFAULT_RUNGS_TEXT
from rewardsmith.run_dir import RunDir


def _events(console: Any, run_holder: dict) -> Any:
    """Print the loop's own events; the evaluator draws its live table itself."""

    def on_event(event: dict) -> None:
        kind = event.get("event")
        if kind == "run":
            run_holder["path"] = event["path"]
        elif kind == "iteration":
            console.rule(f"iteration {event['iteration']}")
        elif kind == "drafted":
            console.print(f"designer wrote {event['n']} distinct candidate(s)")
        elif kind == "rejected":
            console.print(f"  [yellow]{event['candidate']} rejected[/] at {event['stage']}: "
                          f"{event['error']}", highlight=False)
        elif kind == "accepted":
            repairs = f" after {event['attempts']} repair(s)" if event["attempts"] else ""
            console.print(f"  [green]{event['candidate']} accepted[/]{repairs}")
        elif kind in ("candidate_done", "candidate_failed", "rung_done") and \
                not console.is_terminal:
            fitness = event.get("fitness")
            console.print(f"  {event.get('candidate')}: {kind.replace('_', ' ')}"
                          + (f", fitness {fitness:.3f}" if fitness is not None else ""),
                          highlight=False)

    return on_event


def design_cli(
    text: Annotated[str | None, typer.Argument(help="What you want, e.g. \"make the half "
                                                    "cheetah run backwards\".")] = None,
    env: Annotated[str | None, typer.Option(help="Environment id (default: named in the "
                                                 "text).")] = None,
    task: Annotated[str | None, typer.Option(help="Built-in task id (rewardsmith envs).")]
    = None,
    model: Annotated[str | None, typer.Option(help="LLM model name.")] = None,
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
) -> None:
    """Design a reward for what you describe (the main job).

    The designer (an LLM, or the offline designer when none is configured) writes K candidates;
    the critic and the sandbox check them; short trainings score them; feedback steers the next
    iteration. With no TEXT and no --task, the built-in default task runs.
    """
    from rewardsmith.cli._console import console
    from rewardsmith.run.api import design

    holder: dict = {}
    with _resumable(console, holder):
        run = design(text, env=env, task=task, out=out, on_event=_events(console, holder),
                     say=lambda line: console.print(line, highlight=False), model=model,
                     base_url=base_url, candidates=candidates, iterations=iterations,
                     steps=steps, workers=workers, executor=executor, ray_address=ray_address,
                     feedback=feedback, rank_mode=rank_in, designer=designer,
                     max_cost=max_cost, max_tokens=max_tokens, seed=seed, halving=halving,
                     rungs=_rungs(rungs), min_keep=min_keep)
    _print_result(console, run)


def _rungs(text: str) -> tuple[float, ...]:
    from rewardsmith.errors import RewardsmithError
    from rewardsmith.evaluator.halving import parse_rungs

    try:
        return parse_rungs(text, "--rungs")
    except ValueError as e:
        raise RewardsmithError(str(e)) from None


def resume_cli(
    run: Annotated[Path, typer.Argument(help="The run directory to continue.")],
) -> None:
    """Continue a stopped design run (after Ctrl-C or kill -9).

    Finished candidates and recorded LLM replies are reused, never paid for twice.
    """
    from rewardsmith.cli._console import console
    from rewardsmith.run.api import resume

    with _resumable(console, {"path": str(run)}):
        result = resume(run, on_event=_events(console, {}),
                        say=lambda line: console.print(line, highlight=False))
    _print_result(console, result)


@contextmanager
def _resumable(console: Any, run_holder: dict) -> Iterator[None]:
    """On Ctrl-C, say how to continue (typer would exit 130 silently)."""
    try:
        yield
    except KeyboardInterrupt:
        where = run_holder.get("path", "RUN")
        console.print(f"[yellow]interrupted[/]: finished work is on disk; "
                      f"`rewardsmith resume {where}` continues where it stopped.",
                      highlight=False)
        raise typer.Exit(130) from None


def _print_result(console: Any, run: Any) -> None:
    state = run.state
    best = state.get("best")
    if best is None:
        console.print("[red]no candidate trained successfully[/]; see the run directory")
        return
    score = f"task score {best['fitness']:.3f}" if best.get("fitness") is not None else ""
    console.rule("result")
    console.print(f"best: iteration {best['iteration']}, {best['candidate']} {score}",
                  highlight=False)
    reeval = state.get("best_reeval")
    if reeval and reeval.get("fitness_mean") is not None:
        console.print(f"re-evaluated: {reeval['fitness_mean']:.3f} ± "
                      f"{reeval.get('fitness_sem') or 0:.3f} (mean ± s.e.)", highlight=False)
    if "success" in state and RunDir(run.path).run_json.is_file():
        console.print("success threshold reached" if state["success"] else
                      "success threshold not reached", highlight=False)
    console.print(f"reward: {run.best_reward_path}\nreport: {RunDir(run.path).best_report}",
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``design`` and ``resume`` to the app."""
    app.command("design")(design_cli)
    app.command("resume")(resume_cli)
