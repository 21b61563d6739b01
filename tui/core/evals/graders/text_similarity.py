"""text_similarity: fuzzy_match, bleu, gleu, meteor, rouge_1..5, rouge_l, cosine.

Each metric comes from a maintained library, scored in [0, 1]:
fuzzy_match = rapidfuzz `fuzz.ratio`/100; bleu = sacrebleu `sentence_bleu`/100
(13a tokenizer, exponential smoothing); gleu = nltk `sentence_gleu` on
whitespace tokens; meteor = nltk `single_meteor_score` on lower-cased
whitespace tokens, with exact and Porter-stem matching (no WordNet synonyms, so
no corpus download is ever needed); rouge_N/rouge_l = Google's `rouge-score`
F-measure with its Porter stemmer; cosine = the provider's embeddings.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from tui.core.evals.context import render
from tui.core.evals.graders.base import GraderConfigError, GraderEnv, GradeResult, threshold_pass

METRICS = (
    "fuzzy_match", "bleu", "gleu", "meteor", "cosine",
    "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l",
)
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"


def validate(criterion: dict[str, Any]) -> list[str]:
    errors = []
    for key in ("input", "reference"):
        if not isinstance(criterion.get(key), str):
            errors.append(f"text_similarity: {key!r} must be a string template")
    if criterion.get("evaluation_metric") not in METRICS:
        errors.append(f"text_similarity: evaluation_metric must be one of {', '.join(METRICS)}")
    threshold = criterion.get("pass_threshold")
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        errors.append("text_similarity: pass_threshold must be a number")
    return errors


class _NoWordNet:
    """Stands in for nltk's WordNet corpus: METEOR without synonym matching."""

    def synsets(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


@lru_cache(maxsize=8)
def _rouge(metric: str):
    from rouge_score import rouge_scorer

    key = "rougeL" if metric == "rouge_l" else f"rouge{metric[-1]}"
    return key, rouge_scorer.RougeScorer([key], use_stemmer=True)


def similarity(metric: str, value: str, reference: str) -> float:
    """The metric's score in [0, 1] (cosine excepted: it needs embeddings)."""
    if metric == "fuzzy_match":
        from rapidfuzz import fuzz

        return fuzz.ratio(value, reference) / 100.0
    if metric == "bleu":
        import sacrebleu

        return sacrebleu.sentence_bleu(value, [reference]).score / 100.0
    if metric == "gleu":
        from nltk.translate.gleu_score import sentence_gleu

        return float(sentence_gleu([reference.split()], value.split()))
    if metric == "meteor":
        from nltk.translate.meteor_score import single_meteor_score

        if not value.split() or not reference.split():
            return 0.0
        return float(single_meteor_score(reference.lower().split(), value.lower().split(),
                                         wordnet=_NoWordNet()))
    if metric.startswith("rouge_"):
        key, scorer = _rouge(metric)
        return float(scorer.score(reference, value)[key].fmeasure)
    raise GraderConfigError(f"unknown evaluation_metric {metric!r}")


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


async def grade(criterion: dict[str, Any], context: dict[str, Any], env: GraderEnv) -> GradeResult:
    metric = criterion["evaluation_metric"]
    value = render(criterion["input"], context)
    reference = render(criterion["reference"], context)
    if metric == "cosine":
        if env.embed is None:
            raise GraderConfigError("cosine needs a profile with embeddings")
        model = criterion.get("model") or DEFAULT_EMBEDDING_MODEL
        vectors = await env.embed(model, [value, reference])
        score = cosine(vectors[0], vectors[1])
    else:
        score = similarity(metric, value, reference)
    return GradeResult(
        name=criterion.get("name", "text_similarity"),
        type="text_similarity",
        score=score,
        passed=threshold_pass(score, criterion, 1.0),
        reasoning=f"{metric} = {score:.4f} (pass at ≥ {criterion.get('pass_threshold')})",
    )
