"""Fine-tuning training prices: USD per 1M trained tokens, overridable from config.

Prices change and OpenAI's self-serve fine-tuning is being retired, so this is
only the default table (December 2025); the config passes the user's editable
table as `overrides`. Dated snapshots (`gpt-4o-mini-2024-07-18`) and
fine-tuned names (`ft:gpt-4o-mini-2024-07-18:org::id`, trained further at the
base model's price) match the longest listed prefix.
"""

from __future__ import annotations

from typing import Any

DEFAULT_TRAINING_PRICES_PER_1M: dict[str, float] = {
    "gpt-4.1": 25.0,
    "gpt-4.1-mini": 5.0,
    "gpt-4.1-nano": 1.5,
    "gpt-4o": 25.0,
    "gpt-4o-mini": 3.0,
    # The loopback sandbox trains for free; saying so beats "no price known".
    "sandbox-": 0.0,
}

# Reinforcement fine-tuning is billed per training hour, not per token.
RFT_PRICE_PER_HOUR: dict[str, float] = {"o4-mini": 100.0}


def _longest_prefix(model: str, table: dict[str, float]) -> float | None:
    matches = [key for key in table if model.startswith(key)]
    return table[max(matches, key=len)] if matches else None


def training_price_per_1m(model: str, overrides: dict[str, float] | None = None) -> float | None:
    """USD per 1M training tokens for `model`, or None when no table lists it.

    Overrides are merged over the default table before the longest-prefix
    match, so an entry for `gpt-4o` re-prices gpt-4o snapshots but not
    `gpt-4o-mini`, which keeps its own longer entry.
    """
    name = model[3:] if model.startswith("ft:") else model
    table = {**DEFAULT_TRAINING_PRICES_PER_1M, **(overrides or {})}
    price = _longest_prefix(name, table)
    return None if price is None else float(price)


def training_prices_for(kind: str, table: dict[str, float] | None, *,
                        profile: Any = None) -> dict[str, float]:
    """The training price table for a profile of `kind`, as `overrides` for the lookups.

    A `local` profile trains on the user's own hardware: no provider bills it, so
    every model is priced 0 (the empty prefix matches all; listed prices still win).
    A profile's own `training_prices` (another provider bills the same model names
    differently: Azure's gpt-4o-mini is not OpenAI's) win over the global table.
    """
    prices = dict(table or {})
    if kind == "local":
        prices = {"": 0.0, **prices}
    own = getattr(profile, "training_prices", None)
    if own:
        prices.update({k: float(v) for k, v in own.items()})
    return prices
