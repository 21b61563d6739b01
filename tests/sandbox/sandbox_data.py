"""Small datasets and polling helpers for the sandbox tests (imported by basename)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai

CAPITALS = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
    ("Portugal", "Lisbon"), ("Austria", "Vienna"), ("Poland", "Warsaw"), ("Greece", "Athens"),
    ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Finland", "Helsinki"), ("Ireland", "Dublin"),
    ("Denmark", "Copenhagen"), ("Hungary", "Budapest"), ("Belgium", "Brussels"), ("Czechia", "Prague"),
    ("Romania", "Bucharest"), ("Bulgaria", "Sofia"), ("Croatia", "Zagreb"), ("Latvia", "Riga"),
]


def question(country: str) -> str:
    return f"What is the capital of {country}?"


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def sft_rows(n: int = 12) -> list[dict[str, Any]]:
    return [{"messages": [
        {"role": "system", "content": "Answer with the city name only."},
        {"role": "user", "content": question(country)},
        {"role": "assistant", "content": city},
    ]} for country, city in CAPITALS[:n]]


def dpo_rows(n: int = 12) -> list[dict[str, Any]]:
    return [{"input": {"messages": [{"role": "user", "content": question(country)}]},
             "preferred_output": [{"role": "assistant", "content": city}],
             "non_preferred_output": [{"role": "assistant", "content": "I don't know."}]}
            for country, city in CAPITALS[:n]]


def rft_rows(n: int = 12) -> list[dict[str, Any]]:
    return [{"messages": [{"role": "user", "content": question(country)}], "answer": city}
            for country, city in CAPITALS[:n]]


def client(sandbox: Any, **kwargs: Any) -> openai.AsyncOpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.AsyncOpenAI(base_url=sandbox.base_url, api_key=sandbox.api_key, **kwargs)


async def upload(c: openai.AsyncOpenAI, rows: list[dict[str, Any]] | bytes, purpose: str = "fine-tune",
                 name: str = "data.jsonl") -> str:
    data = rows if isinstance(rows, bytes) else jsonl(rows)
    return (await c.files.create(file=(name, data), purpose=purpose)).id  # type: ignore[arg-type]


async def wait_for(fetch: Any, done: tuple[str, ...], timeout: float = 30.0) -> Any:
    """Poll `fetch()` until its .status is in `done`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        obj = await fetch()
        if obj.status in done:
            return obj
        if loop.time() > deadline:
            raise AssertionError(f"still {obj.status} after {timeout}s: {obj}")
        await asyncio.sleep(0.02)
