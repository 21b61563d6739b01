"""Estimated inference cost: USD per 1M tokens, overridable in config [prices.input/output].

Estimates only: providers change prices, and cached input is billed less.
"""

from __future__ import annotations

# (input, output) USD per 1M tokens.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "o4-mini": (1.10, 4.40),
    "sandbox-": (0.0, 0.0),
    # The sandbox's distillation teacher is priced (like gpt-4.1), so distilling visibly pays.
    "sandbox-teacher": (2.00, 8.00),
    "ft:sandbox-": (0.0, 0.0),
}


def _longest_prefix(model: str, table: dict[str, float] | dict[str, tuple[float, float]]):
    matches = [k for k in table if model.startswith(k)]
    return table[max(matches, key=len)] if matches else None


def price_per_1m(
    model: str,
    *,
    input_overrides: dict[str, float] | None = None,
    output_overrides: dict[str, float] | None = None,
) -> tuple[float, float] | None:
    base = _longest_prefix(model, DEFAULT_PRICES)
    # A fine-tuned OpenAI model (ft:gpt-4o-mini-...:org::id) is billed at twice its base.
    if model.startswith("ft:") and not model.startswith("ft:sandbox-"):
        inner = _longest_prefix(model[3:], DEFAULT_PRICES)
        base = (inner[0] * 2, inner[1] * 2) if inner else None
    price_in = _longest_prefix(model, input_overrides or {})
    price_out = _longest_prefix(model, output_overrides or {})
    if base is None and (price_in is None or price_out is None):
        return None
    return (
        price_in if price_in is not None else base[0],  # type: ignore[index]
        price_out if price_out is not None else base[1],  # type: ignore[index]
    )


def estimate_cost(
    model: str,
    input_tokens: int | None,
    output_tokens: int | None,
    **overrides: dict[str, float] | None,
) -> float | None:
    return cost_at(price_per_1m(model, **overrides), input_tokens, output_tokens)


def cost_at(prices: tuple[float, float] | None, input_tokens: int | None,
            output_tokens: int | None) -> float | None:
    """The cost of one call at `price_per_1m`'s prices (looked up once for many calls)."""
    if prices is None or input_tokens is None or output_tokens is None:
        return None
    return (input_tokens * prices[0] + output_tokens * prices[1]) / 1_000_000
