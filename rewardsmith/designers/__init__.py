"""Designers write candidate reward programs.

The protocol (``base``), the LLM and offline designers, code extraction, the critic, and the
step that turns drafts into checked candidates.
"""
