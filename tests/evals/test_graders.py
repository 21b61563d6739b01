"""Each grader type against hand-computed values."""

from __future__ import annotations

import math

import pytest

from tui.core.evals import graders
from tui.core.evals.graders import calc
from tui.core.evals.graders.base import GraderEnv
from tui.core.evals.graders.text_similarity import similarity

ITEM = {"answer": "Paris", "ref": "the cat sat on the mat", "nested": {"x": [1, 2]}}


def crit(kind: str, **fields):
    return {"type": kind, "name": fields.pop("name", kind), **fields}


@pytest.mark.parametrize(("op", "output", "reference", "passed"), [
    ("eq", "Paris", "Paris", True), ("eq", "paris", "Paris", False),
    ("ne", "Lyon", "Paris", True), ("like", "It is Paris.", "Paris", True),
    ("like", "It is paris.", "Paris", False), ("ilike", "It is PARIS.", "paris", True),
])
async def test_string_check(op, output, reference, passed):
    c = crit("string_check", input="{{sample.output_text}}", reference=reference, operation=op)
    result = await graders.grade(c, ITEM, {"output_text": output})
    assert (result.passed, result.score) == (passed, 1.0 if passed else 0.0)


async def test_templates_read_item_and_output_json():
    c = crit("string_check", input="{{sample.output_json.city}}", reference="{{item.answer}}",
             operation="eq")
    assert (await graders.grade(c, ITEM, '{"city": "Paris"}')).passed
    # OpenAI's output-item sample shape works too; a missing path renders "".
    c2 = crit("string_check", input="{{sample.output_json.nope}}", reference="", operation="eq")
    assert (await graders.grade(c2, ITEM, {"output": [{"role": "assistant",
                                                       "content": "x"}]})).passed


def test_text_similarity_known_values():
    # rapidfuzz ratio: 2*10/(11+10) = 0.95238
    assert similarity("fuzzy_match", "hello word", "hello world") == pytest.approx(20 / 21)
    assert similarity("bleu", "the cat sat on the mat", "the cat sat on the mat") == \
        pytest.approx(1.0)
    # sacrebleu: precisions 5/6, 3/5, 1/4, (0+smoothing) -> 37.99 (sacrebleu's own value)
    assert similarity("bleu", "the cat is on the mat", "the cat sat on the mat") == \
        pytest.approx(0.3799, abs=1e-4)
    # GLEU: 1..4-grams of hyp 15, ref 15, matches 5+3+1+0 = 9 ... min(P, R) = 0.5
    assert similarity("gleu", "the cat is on the mat", "the cat sat on the mat") == 0.5
    # METEOR: m=5, P=R=5/6, Fmean=5/6, 2 chunks -> penalty 0.5*(2/5)^3 = 0.032
    assert similarity("meteor", "the cat is on the mat", "the cat sat on the mat") == \
        pytest.approx(5 / 6 * (1 - 0.032))
    # ROUGE-1 F: 6 of 8 hypothesis unigrams, 6 of 9 reference ones (rouge-score README)
    value = "The quick brown dog jumps on the log."
    reference = "The quick brown fox jumps over the lazy dog"
    assert similarity("rouge_1", value, reference) == pytest.approx(2 * 0.75 * (6 / 9) /
                                                                   (0.75 + 6 / 9))
    # ROUGE-L: LCS "the quick brown jumps the" = 5 -> P 5/8, R 5/9
    assert similarity("rouge_l", value, reference) == pytest.approx(2 * (5 / 8) * (5 / 9) /
                                                                   (5 / 8 + 5 / 9))
    assert similarity("rouge_5", value, reference) == 0.0


async def test_text_similarity_threshold_and_cosine():
    c = crit("text_similarity", input="{{sample.output_text}}", reference="{{item.ref}}",
             evaluation_metric="meteor", pass_threshold=0.8)
    assert (await graders.grade(c, ITEM, "the cat is on the mat")).passed

    async def embed(model, texts):
        return [[1.0, 0.0], [1.0, 1.0]] if texts[0] == "a" else [[1.0, 0.0], [1.0, 0.0]]

    c = crit("text_similarity", input="{{sample.output_text}}", reference="b",
             evaluation_metric="cosine", pass_threshold=0.9)
    result = await graders.grade(c, ITEM, "a", GraderEnv(embed=embed))
    assert result.score == pytest.approx(1 / math.sqrt(2)) and not result.passed
    # Without embeddings the grader errors with a reason instead of raising.
    assert "embeddings" in (await graders.grade(c, ITEM, "a")).error


async def test_score_model_and_label_model():
    calls = []

    async def call_model(model, messages, params):
        calls.append((model, messages))
        if "score" in messages[0]["content"]:
            return '{"steps": [{"description": "d", "conclusion": "close"}], "result": 0.7}', {
                "prompt_tokens": 5, "completion_tokens": 3}
        return "Answer: Correct.", {"prompt_tokens": 4, "completion_tokens": 2}

    env = GraderEnv(call_model=call_model)
    score = crit("score_model", model="judge", input=[
        {"role": "system", "content": "score it"},
        {"role": "user", "content": "{{item.answer}} vs {{sample.output_text}}"}],
        pass_threshold=0.5)
    result = await graders.grade(score, ITEM, "Lyon", env)
    assert (result.score, result.passed, result.reasoning) == (0.7, True, "close")
    assert calls[0][1][1]["content"] == "Paris vs Lyon"
    assert result.sample["usage"]["prompt_tokens"] == 5
    label = crit("label_model", model="judge", input=[{"role": "user", "content": "label"}],
                 labels=["correct", "incorrect"], passing_labels=["correct"])
    result = await graders.grade(label, ITEM, "x", env)
    assert result.passed and result.reasoning == "label: correct"
    # Out-of-range scores are errors, not silent passes.
    out = crit("score_model", model="j", input=[{"role": "user", "content": "score"}],
               range=[0, 0.5])
    assert "outside the range" in (await graders.grade(out, ITEM, "x", env)).error


async def test_python_grader_limits_and_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    source = ("import os\n"
              "def grade(sample, item):\n"
              "    assert 'OPENAI_API_KEY' not in os.environ\n"
              "    assert os.listdir('.') == []\n"
              "    return len(sample['output_text']) / 10 + item['nested']['x'][1]\n")
    result = await graders.grade(crit("python", source=source, pass_threshold=2), ITEM,
                                 "abcde")
    assert result.error is None and result.score == 2.5 and result.passed
    raising = crit("python", source="def grade(sample, item):\n    raise ValueError('no')\n")
    result = await graders.grade(raising, ITEM, "x")
    assert result.score == 0 and not result.passed and "ValueError: no" in result.reasoning
    hog = crit("python", source="def grade(s, i):\n    return len(bytearray(4 << 30))\n")
    assert (await graders.grade(hog, ITEM, "x")).score == 0
    slow = crit("python", timeout_s=0.5, source="def grade(s, i):\n    while True: pass\n")
    assert (await graders.grade(slow, ITEM, "x")).score == 0
    assert graders.validate(crit("python", source="def nope(): pass")) == [
        "python: the source must define grade(sample, item)"]


async def test_multi_and_calculate_output():
    c = crit("multi", graders={
        "exact": {"type": "string_check", "input": "{{sample.output_text}}",
                  "reference": "{{item.answer}}", "operation": "eq"},
        "fuzzy": {"type": "text_similarity", "input": "{{sample.output_text}}",
                  "reference": "{{item.answer}}", "evaluation_metric": "fuzzy_match",
                  "pass_threshold": 0.5}},
        calculate_output="0.5 * exact + 0.5 * fuzzy ^ 2", pass_threshold=0.3)
    result = await graders.grade(c, ITEM, "Pari")
    # fuzzy = 2*4/9; exact = 0
    assert result.score == pytest.approx(0.5 * (8 / 9) ** 2) and result.passed
    assert result.sub == {"exact": 0.0, "fuzzy": pytest.approx(8 / 9)}


def test_calculate_output_is_never_code():
    assert calc.evaluate("max(a, b) + sqrt(16) - floor(2.7) + log(exp(1))", {"a": 1, "b": 2}) \
        == pytest.approx(2 + 4 - 2 + 1)
    for bad in ("__import__('os')", "a.real", "[a]", "a if b else 1", "open('x')", "a < b",
                "lambda: 1", "'text'"):
        with pytest.raises(calc.CalcError):
            calc.evaluate(bad, {"a": 1, "b": 2})
    with pytest.raises(calc.CalcError, match="division"):
        calc.evaluate("a / 0", {"a": 1})


def test_validation_messages():
    assert graders.validate({"type": "nope"})[0].startswith("type must be one of")
    errors = graders.validate(crit("string_check", input="x", reference="y", operation="eqq"))
    assert errors == ["string_check: operation must be one of eq, ne, like, ilike"]
    errors = graders.validate(crit("multi", graders={"a": {"type": "string_check", "input": "x",
                                                           "reference": "y", "operation": "eq"}},
                                   calculate_output="a + b"))
    assert errors == ["multi: calculate_output names unknown graders: b"]
    errors = graders.validate_all([crit("string_check", input="x", reference="y", operation="eq")] * 2)
    assert "used twice" in errors[0]
