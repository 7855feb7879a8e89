"""Spending caps: refuse the next request once a dollar or token budget is used up.

Caps are checked *before* each HTTP request, so a run stops cleanly between calls and keeps
every reply it already paid for. Parallel requests already in flight may overshoot a cap by at
most their own cost.
"""

from __future__ import annotations

from pathlib import Path

from rewardsmith.llm.config import LLMConfig
from rewardsmith.llm.errors import LLMBudgetExceeded


def check_budget(
    config: LLMConfig, spent_usd: float, tokens_used: int, record_dir: Path | None = None
) -> None:
    """Raise :class:`LLMBudgetExceeded` when ``config``'s cost or token cap is reached.

    Args:
        config: holds ``max_cost_usd`` and ``max_tokens_total`` (``None`` means no cap).
        spent_usd: dollars spent so far, earlier sessions of the same run included.
        tokens_used: prompt plus completion tokens so far, earlier sessions included.
        record_dir: where earlier sessions were read from, named in the message.
    """
    where = f" (including earlier sessions recorded in {record_dir})" if record_dir else ""
    how = "in the [llm] config section or on the command line"
    if config.max_cost_usd is not None and spent_usd >= config.max_cost_usd:
        raise LLMBudgetExceeded(
            f"LLM cost budget reached: ${spent_usd:.4f} spent{where}, max_cost_usd is "
            f"${config.max_cost_usd:.4f}. No request was sent. Raise max_cost_usd {how} to "
            f"continue; replies already recorded are still served from the cache.",
            endpoint=config.endpoint(),
        )
    if config.max_tokens_total is not None and tokens_used >= config.max_tokens_total:
        raise LLMBudgetExceeded(
            f"LLM token budget reached: {tokens_used} tokens used{where}, max_tokens_total is "
            f"{config.max_tokens_total}. No request was sent. Raise max_tokens_total {how} to "
            f"continue; replies already recorded are still served from the cache.",
            endpoint=config.endpoint(),
        )
