"""The exceptions rewardsmith raises; the CLI turns each into one `[error]` line and exit code 1."""

from __future__ import annotations

from typing import Any


class RewardsmithError(Exception):
    """Base class: a problem the user (or the designer LLM) can act on."""


class UnknownEnvError(RewardsmithError, KeyError):
    """An environment id that has no description."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class UnknownTaskError(UnknownEnvError):
    """A task id that is not registered."""


class RewardContractError(RewardsmithError):
    """A reward program broke the contract of DESIGN.md (signature, shapes, dtype, finiteness)."""


class RewardLoadError(RewardsmithError):
    """A reward program could not be loaded (missing file, syntax error, no compute_reward)."""


class CorruptRunFile(RewardsmithError):
    """A file of a run directory exists but cannot be what rewardsmith wrote there.

    Writes are atomic, so a crash never leaves half a file: this is a disk fault, a hand edit, or
    code run in the sandbox. The message names the file and how to recover: delete it, and
    ``rewardsmith resume`` redoes the step that writes it.

    Attributes:
        path: the file.
        problem: what is wrong with it, e.g. ``"is not valid JSON (...)"``.
    """

    def __init__(self, path: Any, problem: str):
        super().__init__(path, problem)  # both in args, so it pickles (Ray, process pools)
        self.path, self.problem = path, problem

    def __str__(self) -> str:
        return (f"{self.path} {self.problem}. Delete it and run the step again: "
                f"`rewardsmith resume <run folder>` redoes the step that writes it")


def describe_validation_error(exc: Any, hidden: tuple[str, ...] = ("api_key",)) -> str:
    """Summarise a pydantic ``ValidationError`` as ``field: problem (got value)``.

    The values of ``hidden`` fields are never echoed (secrets), nor is the input of a check on
    the settings as a whole (a model validator): it is every setting, and the message names the
    ones that clash.
    """
    parts = []
    for err in exc.errors():
        if not err["loc"]:
            parts.append(err["msg"].removeprefix("Value error, "))
            continue
        field = ".".join(str(p) for p in err["loc"])
        got = "" if field in hidden else f" (got {err.get('input')!r})"
        parts.append(f"{field}: {err['msg']}{got}")
    return "; ".join(parts)
