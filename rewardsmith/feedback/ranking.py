"""The preference data model shared by the web page, the terminal prompt and the oracle.

ICPL-style feedback asks one question per iteration: which of the K candidate rollouts is the
*best* and which is the *worst*. Whoever answers it (a person in a browser, a person in a terminal,
or the synthetic oracle), the answer is a :class:`Ranking`, so the prompt builder downstream never
needs to know where a preference came from. The models validate their own invariants so a bad
answer fails loudly where it is produced, not three modules later in a prompt template.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rewardsmith.errors import RewardsmithError
from rewardsmith.safe_files import read_json, write_text

RankingSource = Literal["human", "synthetic", "terminal"]


class RankingError(RewardsmithError, ValueError):
    """A preference answer that breaks the contract (unknown id, best == worst, ...).

    It is also a ``ValueError`` so callers that only care about "bad input" can catch that; the
    message is written to be shown to the person answering, who can then correct their choice.
    """


class RankingCandidate(BaseModel):
    """One candidate reward function as shown to whoever ranks.

    Attributes:
        id: stable identifier used in the answer (e.g. ``"iter_2/cand_1"``).
        label: short human-readable name shown above the video.
        video: rollout video (mp4) of the policy trained on this reward, or ``None`` when training
            failed or produced no video; the page then shows a placeholder instead.
        summary: one or two lines (success rate, episode length, ...) shown under the video.
            Callers must keep the task fitness out of it when the ranking is meant to be blind.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    label: str
    video: Path | None = None
    summary: str = ""


class Ranking(BaseModel):
    """The answer to one preference query: the best and the worst candidate.

    Attributes:
        best: id of the preferred candidate.
        worst: id of the least preferred candidate. Equal to ``best`` only when there was a single
            candidate to rank (then ``order`` must be ``[best]``).
        why: optional free-text reason; forwarded to the designer's next prompt.
        order: a full ordering best to worst when the source produced one (the synthetic oracle
            does), otherwise empty: a human only names the two extremes.
        source: who answered: ``"human"`` (web page), ``"terminal"`` or ``"synthetic"``.
        queries: how many questions it cost to get the answer; one per page or terminal answer, one
            per pairwise comparison for the oracle. Lets benchmarks compare feedback budgets.
    """

    best: str = Field(min_length=1)
    worst: str = Field(min_length=1)
    why: str = ""
    order: list[str] = Field(default_factory=list)
    source: RankingSource
    queries: int = Field(ge=0)

    @model_validator(mode="after")
    def _check_consistent(self) -> Ranking:
        if self.best == self.worst and self.order != [self.best]:
            raise ValueError(
                f"best and worst are both {self.best!r}; they must differ unless there was only "
                f"one candidate (then order must be [{self.best!r}], got {self.order!r})"
            )
        if self.order:
            if len(set(self.order)) != len(self.order):
                raise ValueError(f"order lists an id more than once: {self.order!r}")
            if self.order[0] != self.best or self.order[-1] != self.worst:
                raise ValueError(
                    f"order must run from best to worst: expected it to start with {self.best!r} "
                    f"and end with {self.worst!r}, got {self.order!r}"
                )
        return self

    @classmethod
    def from_choice(
        cls,
        candidates: Sequence[RankingCandidate],
        best: str,
        worst: str,
        *,
        why: str = "",
        source: RankingSource,
        queries: int = 1,
    ) -> Ranking:
        """Build a ranking from a best/worst pick, checking it against the candidates shown.

        Args:
            candidates: the candidates that were offered.
            best: chosen best id.
            worst: chosen worst id.
            why: optional reason text (surrounding whitespace is stripped).
            source: who answered.
            queries: questions asked to get this answer.

        Returns:
            The validated ranking.

        Raises:
            RankingError: an id is unknown, or best == worst while several candidates were offered.
        """
        check_choice(candidates, best, worst)
        order = [best] if len(candidates) == 1 else []
        return cls(
            best=best, worst=worst, why=why.strip(), order=order, source=source, queries=queries
        )

    def save(self, path: str | Path) -> Path:
        """Write the ranking as indented JSON, atomically, creating parent folders.

        Atomic because a waiting run polls for this file (``rewardsmith rank`` writes it from
        another process): it must never see half an answer.
        """
        path = Path(path)
        write_text(path, self.model_dump_json(indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Ranking:
        """Read a ranking written by :meth:`save`.

        Raises:
            FileNotFoundError: the file does not exist.
            CorruptRunFile: the file is not JSON (see :func:`rewardsmith.safe_files.read_json`).
            RankingError: the file is JSON but not a valid ranking; the message names the file.
        """
        path = Path(path)
        data = read_json(path)
        if data is None and not path.exists():
            raise FileNotFoundError(f"no ranking at {path}")
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise RankingError(f"{path} is not a valid ranking: {e}") from e


def check_choice(candidates: Sequence[RankingCandidate], best: object, worst: object) -> None:
    """Check a best/worst pick against the offered candidates.

    Shared by the web page (to answer HTTP 400 with the message) and the terminal prompt (to
    re-ask), so every front end rejects the same things with the same words.

    Raises:
        RankingError: with a message that says what is wrong and what is allowed.
    """
    if not candidates:
        raise RankingError("there are no candidates to rank")
    ids = [c.id for c in candidates]
    for role, value in (("best", best), ("worst", worst)):
        if not isinstance(value, str) or not value:
            raise RankingError(f"{role} must be a candidate id (a non-empty string), got {value!r}")
        if value not in ids:
            raise RankingError(f"unknown {role} candidate {value!r}; expected one of {ids}")
    if best == worst and len(candidates) > 1:
        raise RankingError(
            f"best and worst are both {best!r}: pick two different candidates "
            f"(the best and the worst of {len(candidates)})"
        )


def ranking_from_json(
    candidates: Sequence[RankingCandidate],
    payload: object,
    *,
    source: RankingSource,
    max_why_chars: int = 10_000,
) -> Ranking:
    """Turn the wire form of a pick, ``{"best": id, "worst": id, "why": text}``, into a ranking.

    Front ends that receive answers as JSON (the web page) call this so malformed input gets the
    same clear :class:`RankingError` as a wrong choice.

    Raises:
        RankingError: not an object, ``why`` not a string or too long, or a bad choice.
    """
    if not isinstance(payload, dict):
        raise RankingError(f"expected a JSON object {{best, worst, why}}, got {payload!r:.80}")
    why = payload.get("why") or ""
    if not isinstance(why, str) or len(why) > max_why_chars:
        raise RankingError(f"why must be a string of at most {max_why_chars} characters")
    return Ranking.from_choice(
        candidates, payload.get("best"), payload.get("worst"), why=why, source=source
    )


def check_unique_ids(candidates: Sequence[RankingCandidate]) -> None:
    """Raise :class:`RankingError` when ids repeat, since an answer could not tell them apart."""
    ids = [c.id for c in candidates]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RankingError(f"candidate ids must be unique; repeated: {duplicates}")
