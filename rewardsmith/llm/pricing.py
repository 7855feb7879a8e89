"""A small price table, so runs can report and cap what they spend.

Prices are USD per million tokens (OpenAI list prices, standard tier, checked 2025). They go
stale: a config can override them (``prompt_price_per_mtok`` / ``completion_price_per_mtok``),
and a model that is not in the table (a local vLLM/Ollama model, a new release) costs 0 with a
note saying so, rather than a guess.

Every cost carries its source, written into the run's record: ``"config"`` (the override),
``"litellm"`` (litellm's own price map, used by the litellm transport where it knows the model),
``"rewardsmith-table"`` (this table) or ``"unknown"`` (counted as $0).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelPrice:
    """USD per million prompt (input) and completion (output) tokens."""

    prompt_per_mtok: float
    completion_per_mtok: float


PRICES: dict[str, ModelPrice] = {
    "gpt-5": ModelPrice(1.25, 10.00),
    "gpt-5-mini": ModelPrice(0.25, 2.00),
    "gpt-5-nano": ModelPrice(0.05, 0.40),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4-turbo": ModelPrice(10.00, 30.00),
    "gpt-4": ModelPrice(30.00, 60.00),
    "gpt-3.5-turbo": ModelPrice(0.50, 1.50),
    "o1": ModelPrice(15.00, 60.00),
    "o1-mini": ModelPrice(1.10, 4.40),
    "o3": ModelPrice(2.00, 8.00),
    "o3-mini": ModelPrice(1.10, 4.40),
    "o4-mini": ModelPrice(1.10, 4.40),
}


def price_for(model: str) -> ModelPrice | None:
    """Return the price of ``model``, matching dated snapshots to their family.

    ``gpt-4o-2024-08-06`` is priced as ``gpt-4o`` and ``openai/gpt-4o-mini`` as ``gpt-4o-mini``:
    the longest table name that is a prefix of the model name wins, so ``gpt-4o-mini`` is never
    priced as ``gpt-4o``.
    """
    name = model.rsplit("/", 1)[-1].lower()
    best: str | None = None
    for known in PRICES:
        matches = name == known or name.startswith(known + "-")
        if matches and (best is None or len(known) > len(best)):
            best = known
    return None if best is None else PRICES[best]


COST_FROM_CONFIG = "config"
COST_FROM_LITELLM = "litellm"
COST_FROM_TABLE = "rewardsmith-table"
COST_UNKNOWN = "unknown"


@dataclass(frozen=True)
class CostEstimate:
    """What one request cost, where that price came from, and a caveat worth showing."""

    cost_usd: float
    source: str
    note: str | None = None


def table_cost(
    model: str, prompt_tokens: int, completion_tokens: int, override: ModelPrice | None = None
) -> CostEstimate:
    """The cost by the config's price, else this table's, else $0 with a note (``unknown``)."""
    price = override or price_for(model)
    if price is None:
        return CostEstimate(0.0, COST_UNKNOWN, (
            f"no price known for model {model!r}: its cost is counted as $0. Set "
            f"prompt_price_per_mtok/completion_price_per_mtok in [llm] to track spending."
        ))
    cost = prompt_tokens * price.prompt_per_mtok + completion_tokens * price.completion_per_mtok
    return CostEstimate(cost / 1_000_000, COST_FROM_CONFIG if override else COST_FROM_TABLE)


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    override: ModelPrice | None = None,
) -> tuple[float, str | None]:
    """Return ``(cost_usd, note)`` for one request's token usage.

    Args:
        model: the model name as sent to the endpoint.
        prompt_tokens: input tokens reported by the server.
        completion_tokens: output tokens reported by the server.
        override: a price from the config, which beats the table.

    Returns:
        The cost in USD and ``None``, or ``0.0`` and a note explaining why nothing was counted.
    """
    estimate = table_cost(model, prompt_tokens, completion_tokens, override)
    return estimate.cost_usd, estimate.note
