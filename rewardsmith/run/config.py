"""The settings of one design run (saved in ``run.json``, reused by ``rewardsmith resume``)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from rewardsmith.errors import RewardsmithError, describe_validation_error
from rewardsmith.evaluator.evaluator import REEVAL_SEEDS
from rewardsmith.evaluator.halving import DEFAULT_RUNGS, HalvingConfig

DEFAULT_STEPS = 300_000  # a candidate's budget when neither the task nor its env names one


class DesignConfig(BaseModel):
    """Everything that decides what a design run does.

    Attributes mirror the ``rewardsmith design`` flags; see ``rewardsmith design --help``.
    """

    text: str
    env_id: str
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    task_id: str | None = None
    env_note: str = Field("", description="why env_kwargs differ from the env's defaults")
    fitness_file: str | None = Field(None, description="--fitness: the user's success measure")
    threshold: float | None = Field(None, description="--threshold: the success threshold")
    candidates: int = Field(4, ge=1, le=32, description="K candidates per iteration")
    iterations: int = Field(3, ge=1, description="N iterations at most")
    steps: int | None = Field(None, ge=256, description="training budget per candidate")
    workers: int | None = Field(None, ge=1)
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    feedback: Literal["reflection", "preference", "synthetic"] = "reflection"
    rank_mode: Literal["web", "terminal"] = "web"
    designer: Literal["auto", "llm", "offline"] = "auto"
    model: str | None = None
    base_url: str | None = None
    max_cost: float | None = None
    max_tokens: int | None = None
    seed: int = 0
    max_repairs: int = Field(2, ge=0)
    critic_review: bool = True
    halving: bool = True
    rungs: tuple[float, ...] = Field(DEFAULT_RUNGS, description="halving rungs (fractions of "
                                     "the budget, the last 1.0)")
    min_keep: int = Field(1, ge=1, description="fewest candidates a halving rung promotes")
    stop_on_success: bool = True
    reeval_seeds: int = Field(REEVAL_SEEDS, ge=1)
    oracle_beta: float | None = None
    oracle_mistake_rate: float = 0.0
    allow_unsafe_sandbox: bool = False
    accept_approximation: bool = False  # offline designer: nearest reward, not a refusal
    train_kwargs: dict[str, Any] = Field(default_factory=dict)
    timeout: float | None = Field(None, gt=0, description="seconds one LLM request may take "
                                  "(default: the [llm] config's timeout_s, 120)")

    @field_validator("seed")
    @classmethod
    def _seed_is_a_numpy_seed(cls, value: int) -> int:
        # numpy, gymnasium and SB3 take 0 <= seed < 2**32; a bad one would fail every training
        # in its sandbox, after the designer's work, instead of here
        if not 0 <= value < 2**32:
            raise ValueError(f"must be between 0 and {2**32 - 1} (numpy's seed range)")
        return value

    @field_validator("threshold")
    @classmethod
    def _threshold_is_finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @property
    def fallback_steps(self) -> int:
        """The budget when no task or env names one."""
        return DEFAULT_STEPS

    @field_validator("max_cost", "max_tokens")
    @classmethod
    def _budget_is_not_negative(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError("must be 0 or more (or left out for no cap)")
        return value

    @model_validator(mode="after")
    def _halving_is_valid(self) -> DesignConfig:
        self.halving_config()  # raises ValueError: what is wrong
        return self

    @model_validator(mode="after")
    def _preference_has_videos(self) -> DesignConfig:
        if self.feedback == "preference" and not self.videos:
            raise ValueError("--feedback preference ranks the rollout videos, so it needs them: "
                             "drop --no-video, or use --feedback reflection or synthetic")
        return self

    @property
    def videos(self) -> bool:
        """Whether each training job records a rollout video (``--no-video``: none)."""
        return self.train_kwargs.get("video", True) is not False

    def halving_config(self) -> HalvingConfig:
        """The evaluator's halving settings for this run (``--no-halving``: the full budget)."""
        if not self.halving:
            return HalvingConfig.full_budget()
        return HalvingConfig(self.rungs, min_keep=self.min_keep)


def make_config(**values: Any) -> DesignConfig:
    """A :class:`DesignConfig`, or a :class:`RewardsmithError` that names each bad setting."""
    try:
        return DesignConfig(**values)
    except ValidationError as e:
        raise RewardsmithError(f"bad design settings: {describe_validation_error(e)}") from None
