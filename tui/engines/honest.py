"""The sandbox's honest models: deterministic base models and nearest-example fine-tunes.

Base models answer from the last user message (`sandbox-small` echoes it,
`sandbox-large` echoes it with the word order reversed), shaped by the system
prompt's directives (tui/engines/directives.py). `sandbox-teacher` is
the sandbox's big, priced model for distillation: it knows the sandbox's task
family "What is the capital of country number N?" (answering "The capital of
country N is CityN."), except that it is unsure of every fifth country
(N % 5 == 4), so a grader filter has something to drop; anything else it
echoes like `sandbox-small`. A fine-tuned model
answers with the target of the training example whose prompt is nearest to the
question (token overlap), among the examples it has seen; with nothing similar
it falls back to its base model. Training replays exactly that: each step the
model sees one batch, each example's "strength" grows with every exposure
(scaled by the learning-rate multiplier), and the metrics measure how well the
model as it stands before the step answers that batch:

    token accuracy = similarity(answer of nearest seen example, target)
    loss           = 1 - strength(nearest) * key similarity * token accuracy

so loss falls as the model sees (and re-sees) the data, and a checkpoint's
answers are the answers its metrics describe.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from tui.engines import directives, grading, structured
from tui.engines.protocol import (
    Generation,
    GenerationParams,
    StepResult,
    TrainingDataError,
    TrainingPlan,
    TrainingSpec,
    jsonl_rows,
    resolve_hyperparameters,
)
from tui.engines.text import (
    content_text,
    count_tokens,
    messages_tokens,
    similarity,
    tokens,
    truncate,
)

BASE_MODELS = ("sandbox-small", "sandbox-large", "sandbox-teacher")
_CAPITAL_QUESTION = re.compile(r"capital of country number (\d+)", re.IGNORECASE)
_BASE_CONFIDENCE = 0.2  # how sure an untrained model is of its echo
_VALID_SAMPLE = 32  # validation examples scored on intermediate steps
_FULL_VALID_CAP = 500


@dataclass
class Example:
    key: str  # what nearest-neighbour matching compares: the last user message
    target: str  # what the model should answer
    tokens: int
    item: dict[str, Any]  # the whole line (RFT graders read it as {{item.*}})
    key_set: frozenset[str] = frozenset()


def _key_set(text: str) -> frozenset[str]:
    return frozenset(t.lower() for t in tokens(text))


def _set_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    overlap = len(a & b)
    return 2 * overlap / (len(a) + len(b))


def _last_user(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return content_text(messages[-1].get("content")) if messages else ""


def _assistant_text(message: dict[str, Any]) -> str:
    text = content_text(message.get("content"))
    if not text and message.get("tool_calls"):
        return orjson.dumps(message["tool_calls"]).decode()
    return text



def parse_examples(data: bytes, method: str, grader: dict[str, Any] | None, param: str) -> list[Example]:
    """The method's own data format turned into (key, target) pairs."""
    examples = []
    for row in jsonl_rows(data, param):
        if method == "dpo":
            messages = (row.get("input") or {}).get("messages") or []
            preferred = row.get("preferred_output") or []
            if not preferred:
                continue
            target = _assistant_text(preferred[0])
        elif method == "reinforcement":
            messages = row.get("messages") or []
            reference = (grader or {}).get("reference")
            # RFT has no target answer; the grader's reference for the item is what earns reward.
            target = grading.render(reference, row, {}) if isinstance(reference, str) else ""
        else:
            messages = row.get("messages") or []
            turns = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"]
            if not turns:
                continue
            target = _assistant_text(messages[turns[-1]])
            messages = messages[: turns[-1]]
        key = _last_user(messages)
        examples.append(Example(key, target, messages_tokens(messages) + count_tokens(target), row,
                                _key_set(key)))
    return examples


@dataclass
class _Work:
    examples: list[Example]
    validation: list[Example]
    order: list[list[int]]  # per global step (0-based): example indexes in the batch
    rate: float  # strength gained per exposure


# Longest conversation (characters of content) answered on the event loop: tokenizing it
# takes well under a millisecond.
INLINE_CHARS = 8_000


class SandboxEngine:
    name = "sandbox"

    def base_models(self) -> list[str]:
        return list(BASE_MODELS)

    def answers_inline(self, artifact: dict[str, Any] | None,
                       messages: list[dict[str, Any]]) -> bool:
        """Whether `generate` is cheaper than a thread hop: a base model (no example search)
        on a short conversation. Handing such an answer to a thread and back cost more than
        the answer, and halved what the sandbox served at 128 requests in flight (issue 19)."""
        if artifact is not None:
            return False
        size = 0
        for message in messages:
            content = message.get("content")
            size += len(content) if isinstance(content, str) else len(str(content))
            if size > INLINE_CHARS:
                return False
        return True

    # Training ------------------------------------------------------------------

    def plan(self, spec: TrainingSpec) -> TrainingPlan:
        examples = parse_examples(spec.training, spec.method, spec.grader, "training_file")
        if not examples:
            raise TrainingDataError(f"Training file has no usable {spec.method} examples")
        validation = (
            parse_examples(spec.validation, spec.method, spec.grader, "validation_file")
            if spec.validation else []
        )
        n = len(examples)
        resolved = resolve_hyperparameters(spec.method, spec.hyperparameters, n)
        n_epochs, batch_size = resolved["n_epochs"], resolved["batch_size"]
        steps_per_epoch = math.ceil(n / batch_size)
        order: list[list[int]] = []
        for epoch in range(n_epochs):
            indexes = list(range(n))
            random.Random(spec.seed * 1000 + epoch).shuffle(indexes)
            order += [indexes[i : i + batch_size] for i in range(0, n, batch_size)]
        work = _Work(examples, validation, order,
                     rate=min(0.95, 0.5 * resolved["learning_rate_multiplier"]))
        return TrainingPlan(
            spec=spec, n_examples=n, n_epochs=n_epochs, batch_size=batch_size,
            steps_per_epoch=steps_per_epoch, total_steps=len(order),
            trained_tokens=n_epochs * sum(e.tokens for e in examples),
            hyperparameters=resolved, private=work,
        )

    def train(self, plan: TrainingPlan, start_step: int = 1) -> Iterator[StepResult]:
        work: _Work = plan.private
        exposures = [0] * plan.n_examples
        for batch in work.order[: start_step - 1]:
            for i in batch:
                exposures[i] += 1
        valid_every = max(1, plan.total_steps // 10)
        for step in range(start_step, plan.total_steps + 1):
            batch = work.order[step - 1]
            strengths = [1 - (1 - work.rate) ** k for k in exposures]
            losses, accs = zip(*(self._score(work, strengths, work.examples[i]) for i in batch), strict=True)
            metrics = {"step": step, "total_steps": plan.total_steps,
                       "train_loss": _mean(losses), "train_mean_token_accuracy": _mean(accs)}
            if plan.spec.method == "reinforcement":
                # RFT reports reward: the grader's score of what the model would answer now.
                metrics["train_reward_mean"] = _mean(
                    [self._reward(work, strengths, plan, work.examples[i]) for i in batch]
                )
            for i in batch:
                exposures[i] += 1
            strengths = [1 - (1 - work.rate) ** k for k in exposures]
            epoch = (step - 1) // plan.steps_per_epoch + 1
            epoch_end = step % plan.steps_per_epoch == 0 or step == plan.total_steps
            last = step == plan.total_steps
            if work.validation and (step % valid_every == 0 or last):
                sample = work.validation[:_VALID_SAMPLE]
                vl, va = zip(*(self._score(work, strengths, e) for e in sample), strict=True)
                metrics |= {"valid_loss": _mean(vl), "valid_mean_token_accuracy": _mean(va)}
                if last:
                    full = work.validation[:_FULL_VALID_CAP]
                    fl, fa = zip(*(self._score(work, strengths, e) for e in full), strict=True)
                    metrics |= {"full_valid_loss": _mean(fl), "full_valid_mean_token_accuracy": _mean(fa)}
            artifact = self._artifact(plan, strengths) if epoch_end else None
            yield StepResult(step, metrics, epoch, epoch_end, artifact)

    def _nearest(self, work: _Work, strengths: list[float], query: frozenset[str]) -> tuple[int, float] | None:
        best: tuple[int, float] | None = None
        for j, example in enumerate(work.examples):
            if strengths[j] <= 0:
                continue
            sim = _set_similarity(query, example.key_set)
            if sim > 0 and (best is None or sim > best[1]):
                best = (j, sim)
        return best

    def _score(self, work: _Work, strengths: list[float], example: Example) -> tuple[float, float]:
        near = self._nearest(work, strengths, example.key_set)
        if near is None:
            acc = similarity(example.key, example.target)  # the base model's echo
            return 1 - _BASE_CONFIDENCE * acc, acc
        j, key_sim = near
        acc = similarity(work.examples[j].target, example.target)
        return 1 - strengths[j] * key_sim * acc, acc

    def _reward(self, work: _Work, strengths: list[float], plan: TrainingPlan, example: Example) -> float:
        near = self._nearest(work, strengths, example.key_set)
        answer = work.examples[near[0]].target if near else example.key
        grader = plan.spec.grader or {}
        result = grading.grade(grader, example.item, {"output_text": answer})
        return result.score if result.error is None else similarity(answer, example.target)

    def _artifact(self, plan: TrainingPlan, strengths: list[float]) -> dict[str, Any]:
        work: _Work = plan.private
        return {
            "engine": self.name,
            "base": plan.spec.base_model,
            "method": plan.spec.method,
            "examples": [[e.key, e.target, round(s, 6)]
                         for e, s in zip(work.examples, strengths, strict=True) if s > 0],
        }

    # Serving -------------------------------------------------------------------

    def generate(
        self,
        model: str,
        artifact: dict[str, Any] | None,
        messages: list[dict[str, Any]],
        params: GenerationParams,
    ) -> Generation:
        question = _last_user(messages)
        base = artifact["base"] if artifact else model
        text = self._base_answer(base, question)
        if artifact:
            query = _key_set(question)
            best, best_sim = None, 0.0
            for key, target, _strength in artifact["examples"]:
                sim = _set_similarity(query, _key_set(key))
                if sim > best_sim:
                    best, best_sim = target, sim
            if best is not None:
                text = best
        # The system prompt's directives, or a reflection's proposal (tui/engines/directives.py).
        text = directives.respond(messages, text)
        if params.json_schema is not None:
            schema = params.json_schema or {"type": "object", "properties": {"answer": {"type": "string"}}}
            text = orjson.dumps(structured.fill(schema, text)).decode()
        finish = "stop"
        if params.max_tokens is not None:
            text, cut = truncate(text, params.max_tokens)
            finish = "length" if cut else "stop"
        return Generation(text, messages_tokens(messages), count_tokens(text), finish)

    @staticmethod
    def _base_answer(model: str, question: str) -> str:
        if not question.strip():
            return f"Hello from {model}."
        if model == "sandbox-large":
            return " ".join(reversed(question.split()))
        if model == "sandbox-teacher":
            return _teacher_answer(question)
        return question


def _teacher_answer(question: str) -> str:
    found = _CAPITAL_QUESTION.search(question)
    if found is None:
        return question
    n = int(found.group(1))
    if n % 5 == 4:  # the teacher's known blind spot: deterministic, so tests can count it
        return f"I am not sure which city is the capital of country {n}."
    return f"The capital of country {n} is City{n}."


def _mean(values: Any) -> float:
    values = list(values)
    return round(sum(values) / len(values), 6) if values else 0.0
