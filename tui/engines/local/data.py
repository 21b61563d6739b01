"""OpenAI's fine-tuning JSONL turned into what TRL's trainers read.

* supervised: `messages` (+ `tools`) rendered with the model's chat template and
  tokenized here, with labels only on assistant turns whose `weight` is not 0
  (assistant-only loss that works with any chat template, no `{% generation %}`
  markers needed); TRL's SFTTrainer takes the `input_ids` / `labels` as given.
* dpo: `input.messages` / `preferred_output` / `non_preferred_output` → TRL's
  conversational preference format (`prompt` / `chosen` / `rejected`).
* reinforcement: `messages` → `prompt`; the whole line rides along as JSON in
  `item` for the graders (`{{item.*}}`).
"""

from __future__ import annotations

from typing import Any

import orjson

from tui.engines.protocol import jsonl_rows

DEFAULT_SYSTEMLESS_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def rows(data: bytes, param: str) -> list[dict[str, Any]]:
    return jsonl_rows(data, param)

def text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def clean(message: dict[str, Any]) -> dict[str, Any]:
    """One message as HF chat templates expect it (string content, tool-call arguments parsed)."""
    out: dict[str, Any] = {"role": message.get("role", "user"), "content": text_of(message.get("content"))}
    if out["role"] == "developer":
        out["role"] = "system"
    calls = message.get("tool_calls")
    if calls:
        parsed = []
        for call in calls:
            fn = dict(call.get("function") or {})
            args = fn.get("arguments")
            if isinstance(args, str):
                try:
                    fn["arguments"] = orjson.loads(args)
                except orjson.JSONDecodeError:
                    pass
            parsed.append({"type": "function", "id": call.get("id"), "function": fn})
        out["tool_calls"] = parsed
    for key in ("name", "tool_call_id"):
        if message.get(key):
            out[key] = message[key]
    return out


def ensure_template(tokenizer: Any) -> None:
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = DEFAULT_SYSTEMLESS_TEMPLATE


def _render(tokenizer: Any, messages: list[dict[str, Any]], tools: Any, *, gen: bool = False) -> str:
    return tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                         add_generation_prompt=gen)


def sft_example(row: dict[str, Any], tokenizer: Any, max_length: int) -> dict[str, list[int]] | None:
    """input_ids and labels (-100 outside trained assistant turns); None if nothing to train."""
    raw = [m for m in row.get("messages") or [] if isinstance(m, dict)]
    messages = [clean(m) for m in raw]
    tools = row.get("tools")
    full = _render(tokenizer, messages, tools)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for i, message in enumerate(raw):
        if message.get("role") != "assistant":
            continue
        before = _render(tokenizer, messages[:i], tools, gen=True) if i else ""
        upto = _render(tokenizer, messages[: i + 1], tools)
        if full.startswith(upto) and upto.startswith(before) and len(before) >= cursor:
            span = (len(before), len(upto))
        else:  # a template that rewrites earlier turns: find the turn's text itself
            body = messages[i]["content"] or ""
            start = full.find(body, cursor) if body else -1
            if start < 0:
                continue
            span = (start, start + len(body))
        cursor = span[1]
        if message.get("weight", 1) != 0:
            spans.append(span)
    if not spans:
        return None
    if getattr(tokenizer, "is_fast", False):
        enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
        ids = enc["input_ids"][:max_length]
        labels = []
        for token, (start, end) in zip(ids, enc["offset_mapping"], strict=False):
            inside = any(start < b and end > a for a, b in spans)
            labels.append(token if inside else -100)
    else:  # no offsets: tokenize the pieces between span boundaries one by one
        ids, labels, at = [], [], 0
        for a, b in [*spans, (len(full), len(full))]:
            for text, trained in ((full[at:a], False), (full[a:b], True)):
                piece = tokenizer(text, add_special_tokens=False)["input_ids"] if text else []
                ids += piece
                labels += piece if trained else [-100] * len(piece)
            at = b
        ids, labels = ids[:max_length], labels[:max_length]
    if all(label == -100 for label in labels):
        return None
    return {"input_ids": ids, "labels": labels}


def sft_dataset(data: bytes, tokenizer: Any, max_length: int, param: str) -> list[dict[str, list[int]]]:
    ensure_template(tokenizer)
    out = [ex for row in rows(data, param) if (ex := sft_example(row, tokenizer, max_length))]
    return out


def dpo_row(row: dict[str, Any]) -> dict[str, Any] | None:
    prompt = [clean(m) for m in (row.get("input") or {}).get("messages") or [] if isinstance(m, dict)]
    good = row.get("preferred_output") or []
    bad = row.get("non_preferred_output") or []
    if not prompt or not good or not bad:
        return None
    return {"prompt": prompt, "chosen": [clean(good[0])], "rejected": [clean(bad[0])]}


def rft_row(row: dict[str, Any]) -> dict[str, Any] | None:
    messages = [clean(m) for m in row.get("messages") or [] if isinstance(m, dict)]
    if not messages:
        return None
    return {"prompt": messages, "item": orjson.dumps(row).decode()}


def convert(method: str, data: bytes, param: str) -> list[dict[str, Any]]:
    """DPO / RFT rows (SFT needs the tokenizer: `sft_dataset`)."""
    make = dpo_row if method == "dpo" else rft_row
    return [r for row in rows(data, param) if (r := make(row)) is not None]
