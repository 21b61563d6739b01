"""Before anything is sent: how many calls an optimization makes and what they cost.

Calls: the metric-call budget (each one item sampled and graded), the held-out
proof (the test items, once with the seed and once with the best), and about one
reflection call for every two minibatches GEPA evaluates. Tokens are estimated
from the seed's messages on the items (about four characters a token) and the
references' length; prices are tunedeck's pricing table with the config's
overrides. A model without a known price makes the cost unknown, not zero.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from tui.core.inference_prices import price_per_1m

MINIBATCH = 3
_REFLECTION_FRAME = 450  # tokens of the reflection template around the examples
_REFLECTION_OUT = 200
_MODEL_GRADERS = ("score_model", "label_model")


@dataclass
class Estimate:
    search_calls: int
    proof_calls: int
    reflection_calls: int
    grader_calls: int
    search_usd: float | None
    proof_usd: float | None
    reflection_usd: float | None
    unpriced: list[str] = field(default_factory=list)

    @property
    def total_usd(self) -> float | None:
        parts = (self.search_usd, self.proof_usd, self.reflection_usd)
        return None if any(p is None for p in parts) else sum(parts)  # type: ignore[misc]

    @property
    def per_item_usd(self) -> float:
        return (self.search_usd or 0.0) / self.search_calls if self.search_calls else 0.0

    @property
    def per_reflection_usd(self) -> float:
        return (self.reflection_usd or 0.0) / self.reflection_calls if self.reflection_calls else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"total_usd": self.total_usd}

    def lines(self) -> list[str]:
        def usd(x: float | None) -> str:
            return "unknown" if x is None else f"${x:.4f}"

        out = [f"search: {self.search_calls} metric calls (item sampled + graded) ≈ "
               f"{usd(self.search_usd)}",
               # gepa.optimize looks at max_metric_calls only between iterations.
               "  (checked between iterations: the last one can end a few calls past it; "
               "a dollar cap stops at once)",
               f"reflection: ~{self.reflection_calls} calls ≈ {usd(self.reflection_usd)}",
               f"held-out proof: {self.proof_calls} calls ≈ {usd(self.proof_usd)}"]
        if self.grader_calls:
            out.append(f"model graders: {self.grader_calls} calls (included above)")
        out.append(f"total ≈ {usd(self.total_usd)}")
        if self.unpriced:
            out.append(f"no price known for {', '.join(self.unpriced)} "
                       "(config.toml [prices.input] / [prices.output])")
        return out


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _cost(model: str, tokens_in: float, tokens_out: float, settings: Any,
          unpriced: list[str]) -> float | None:
    prices = getattr(settings, "prices", None)
    found = price_per_1m(model, input_overrides=dict(getattr(prices, "input", {}) or {}) or None,
                         output_overrides=dict(getattr(prices, "output", {}) or {}) or None)
    if found is None:
        if model not in unpriced:
            unpriced.append(model)
        return None
    return (tokens_in * found[0] + tokens_out * found[1]) / 1_000_000


def estimate(*, items: list[dict[str, Any]], messages: list[dict[str, Any]],
             criteria: list[dict[str, Any]], model: str, reflection_model: str,
             max_metric_calls: int, n_test: int, settings: Any = None) -> Estimate:
    from tui.core.evals.context import build_messages, render

    tokens_in, tokens_out = [], []
    for row in items[:200]:  # a sample is enough for a mean
        built = build_messages({"type": "template", "template": messages}, row["item"])
        tokens_in.append(sum(3 + _tokens(m["content"]) for m in built) + 3)
        refs = [render(c["reference"], {"item": row["item"], "sample": {}})
                for c in criteria if isinstance(c.get("reference"), str)]
        tokens_out.append(max([_tokens(r) for r in refs] or [64]))
    mean_in = sum(tokens_in) / len(tokens_in) if tokens_in else 100
    mean_out = sum(tokens_out) / len(tokens_out) if tokens_out else 64
    unpriced: list[str] = []
    per_item = _cost(model, mean_in, mean_out, settings, unpriced)
    graders = [c for c in criteria if c.get("type") in _MODEL_GRADERS]
    for grader in graders:  # a model grader reads the item and the answer, writes a verdict
        cost = _cost(str(grader.get("model", "")), mean_in + mean_out + 200, 100, settings,
                     unpriced)
        per_item = None if per_item is None or cost is None else per_item + cost
    proof_calls = 2 * n_test
    reflections = max(1, math.ceil(max_metric_calls / (2 * MINIBATCH)))
    reflection_in = _REFLECTION_FRAME + MINIBATCH * (mean_in + mean_out + 120)
    per_reflection = _cost(reflection_model, reflection_in, _REFLECTION_OUT, settings, unpriced)
    return Estimate(
        search_calls=max_metric_calls, proof_calls=proof_calls, reflection_calls=reflections,
        grader_calls=len(graders) * (max_metric_calls + proof_calls),
        search_usd=None if per_item is None else per_item * max_metric_calls,
        proof_usd=None if per_item is None else per_item * proof_calls,
        reflection_usd=None if per_reflection is None else per_reflection * reflections,
        unpriced=unpriced)


def cap_problem(est: Estimate, max_usd: float | None) -> str | None:
    """Why a dollar cap cannot hold for this estimate (None: it can, or there is none)."""
    if max_usd is None:
        return None
    if est.unpriced:
        return (f"a dollar cap needs prices: none known for {', '.join(est.unpriced)} "
                "(config.toml [prices.input] and [prices.output], USD per 1M tokens)")
    if est.total_usd is not None and est.proof_usd and est.proof_usd >= max_usd:
        return f"the held-out proof alone (≈ ${est.proof_usd:.4f}) would pass the dollar cap"
    return None
