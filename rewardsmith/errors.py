"""The exceptions rewardsmith raises; the CLI turns each into one `[error]` line and exit code 1."""

from __future__ import annotations


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
