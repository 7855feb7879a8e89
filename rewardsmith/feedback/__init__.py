"""Preference feedback: a person (web page or terminal) or a synthetic oracle ranks candidates.

Every front end answers the same question, "which rollout is best and which is worst?", with the
same :class:`Ranking`, so the feedback prompt does not care who answered. The web server is
imported lazily: the oracle and the data model are all a synthetic run needs.
"""

from rewardsmith.feedback.oracle import SyntheticOracle
from rewardsmith.feedback.ranking import Ranking, RankingCandidate, RankingError

__all__ = [
    "Ranking",
    "RankingCandidate",
    "RankingError",
    "RankingPageServer",
    "SyntheticOracle",
    "rank_in_terminal",
    "serve_ranking_page",
]

_LAZY = {
    "RankingPageServer": "rewardsmith.feedback.ranking_page",
    "serve_ranking_page": "rewardsmith.feedback.ranking_page",
    "rank_in_terminal": "rewardsmith.feedback.terminal_ranking",
}


def __getattr__(name: str) -> object:
    """Import the page server and the terminal prompt only when a human front end is used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
