"""The LLM client layer: configuration, chat with retries, accounting, budgets and records.

Import from here; the submodules are an implementation detail.
"""

from rewardsmith.llm.client import LLMClient
from rewardsmith.llm.config import LLMConfig, default_config_path
from rewardsmith.llm.errors import LLMBudgetExceeded, LLMConfigError, LLMError
from rewardsmith.llm.pricing import estimate_cost, price_for
from rewardsmith.llm.types import LLMReply, LLMTotals, LLMUsage

__all__ = [
    "LLMBudgetExceeded",
    "LLMClient",
    "LLMConfig",
    "LLMConfigError",
    "LLMError",
    "LLMReply",
    "LLMTotals",
    "LLMUsage",
    "default_config_path",
    "estimate_cost",
    "price_for",
]
