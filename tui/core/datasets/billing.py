"""Default epochs, billed tokens and an estimated training cost (the cookbook's rules)."""

from __future__ import annotations

from tui.core.pricing import training_price_per_1m

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def default_epochs(n_examples: int) -> int:
    """3, raised to min(25, 100 // n) when n*3 < 100, lowered to max(1, 25000 // n) when n*3 > 25000."""
    if n_examples <= 0:
        return 0
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def estimated_cost(model: str, method: str, billed_tokens: int,
                   prices: dict[str, float] | None = None) -> tuple[float | None, float | None]:
    """(USD per 1M tokens, USD) for training; (None, None) when unpriced or billed by the hour."""
    if method == "reinforcement":
        return None, None
    price = training_price_per_1m(model, prices)
    if price is None:
        return None, None
    return price, round(billed_tokens * price / 1_000_000, 6)
