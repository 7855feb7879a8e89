"""Preference feedback: a person (web page or terminal) or a synthetic oracle ranks candidates.

Every front end answers the same question, "which rollout is best and which is worst?", with the
same :class:`Ranking`, so the feedback prompt does not care who answered. The web server is
imported lazily: the oracle and the data model are all a synthetic run needs.
"""

from rewardsmith._lazy import lazy_getattr
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


__getattr__ = lazy_getattr(__name__, _LAZY)
