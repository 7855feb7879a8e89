"""The offline designer: reward programs composed from a documented library of reward terms.

It serves when no LLM is configured (or with ``--designer offline``) and says so: it reads only
the task text, the env description and the feedback an LLM designer would get.
"""

from rewardsmith.designers.offline.composer import OfflineDesignError
from rewardsmith.designers.offline.designer import CandidateOutcome, OfflineDesigner, Proposal
from rewardsmith.designers.offline.program import read_header, render_source
from rewardsmith.designers.offline.terms import TERMS, Term, TermChoice

__all__ = ["TERMS", "CandidateOutcome", "OfflineDesignError", "OfflineDesigner", "Proposal",
           "Term", "TermChoice", "read_header", "render_source"]
