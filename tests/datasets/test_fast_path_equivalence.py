"""The fast paths give the plain path's report, field for field, on files with every error kind.

Plain: one process, one pass (`validate_file(workers=1)`), and the reference
tokenizer (tiktoken) besides. Fast: the file cut into many chunks, scanned by
forked or spawned workers with this process taking chunks too (or only
waiting, as from the TUI's thread), the `tunedeck validate --json` CLI on a
file big enough to go parallel, and the store import, whose stored rows must
also be the per-line results of a plain scan.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import Store
from tests.datasets.helpers import (
    GIF_URL,
    GOOD,
    PNG_URL,
    SFT_ERROR_LINES,
    TOOLS,
    assistant,
    call,
    chat,
    dpo,
    dumps,
    rft,
    user,
)
from tui.core.dataset_versions import import_file
from tui.core.datasets import chunks, parallel, tokens
from tui.core.datasets.examples import check_example
from tui.core.datasets.plain_chat import is_plain_chat
from tui.core.datasets.scan import LineScanner
from tui.core.datasets.validate import iter_line_results, validate_bytes, validate_file

ROOT = Path(__file__).resolve().parents[2]
SYSTEMS = ["You are a helpful assistant.", "Réponds en français, brièvement.",
           "A long house style. " * 120]  # over the token cache's 2048 characters
WORDS = "the order refund invoice café naïve 東京 emoji 😀 <b>bold</b> a<b x|y".split()


PLAIN_WORDS = [w for w in WORDS if "<" not in w]  # lines the plain-chat shortcut can take


def _text(rng: random.Random, n: int, words: list[str] = WORDS) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def _escaped(obj: object) -> str:
    """JSON with every non-ASCII character escaped (\\u00e9, surrogate pairs), as json.dumps does."""
    return json.dumps(obj)


def _valid_sft(rng: random.Random) -> str:
    if rng.random() < 0.3:  # a plain chat line: role and content only, no "<" anywhere
        messages = [user(_text(rng, rng.randint(3, 60), PLAIN_WORDS)),
                    assistant(_text(rng, rng.randint(3, 80), PLAIN_WORDS))]
        if rng.random() < 0.7:
            messages.insert(0, {"role": rng.choice(["system", "developer"]),
                                "content": rng.choice(SYSTEMS)})
        return _escaped(chat(*messages)) if rng.random() < 0.5 else dumps(chat(*messages))
    messages: list[dict] = []
    if rng.random() < 0.7:
        role = "system" if rng.random() < 0.8 else "developer"
        messages.append({"role": role, "content": rng.choice(SYSTEMS)})
    for _ in range(rng.randint(1, 3)):
        messages.append(user(_text(rng, rng.randint(3, 60)), **({"name": "ann"} if rng.random() < 0.1 else {})))
        weight = {"weight": rng.choice([0, 1])} if rng.random() < 0.2 else {}
        messages.append(assistant(_text(rng, rng.randint(3, 80)), **weight))
    shape = rng.random()
    extra: dict = {}
    if shape < 0.1:  # tools, a call and its answer
        messages[-1:] = [assistant(None, tool_calls=[call("c1")]),
                         {"role": "tool", "tool_call_id": "c1", "content": "42"},
                         assistant("It is 42.")]
        extra["tools"] = TOOLS
    elif shape < 0.15:  # text and image parts
        messages[-2] = user([{"type": "text", "text": _text(rng, 5)},
                             {"type": "image_url", "image_url": {"url": PNG_URL}}])
    elif shape < 0.2:  # warnings: not-JSON arguments, a tool not declared, a GIF
        kind = rng.randrange(3)
        if kind == 0:
            messages[-1:] = [assistant(None, tool_calls=[call("c1", arguments="{oops")]),
                             {"role": "tool", "tool_call_id": "c1", "content": "?"},
                             assistant("Done.")]
            extra["tools"] = TOOLS
        elif kind == 1:
            messages[-1:] = [assistant(None, tool_calls=[call("c1", name="other")]),
                             {"role": "tool", "tool_call_id": "c1", "content": "?"},
                             assistant("Done.")]
            extra["tools"] = TOOLS
        else:
            messages[-2] = user([{"type": "image_url", "image_url": {"url": GIF_URL}}])
    elif shape < 0.22:  # every answer weighted 0
        messages = [user("q"), assistant("a", weight=0)]
    obj = chat(*messages, **extra)
    line = _escaped(obj) if rng.random() < 0.5 else dumps(obj)
    if rng.random() < 0.03:  # a special token spelled with a JSON escape
        line = line.replace('"content": "', '"content": "\\u003c|endoftext|> ', 1)
    return line


def _invalid(rng: random.Random, method: str) -> str | bytes:
    if method == "dpo":
        return rng.choice([
            dumps({"input": {"messages": [user()]}, "preferred_output": [assistant()]}),
            dumps({"input": "Hi", "preferred_output": [assistant()],
                   "non_preferred_output": [assistant("x")]}),
            dumps({"input": {"messages": [user()]}, "preferred_output": [user()],
                   "non_preferred_output": [assistant("x")]}),
            dpo(preferred_completion="old"), GOOD, '{"input": ', b"\xff\x00\x01 binary"])
    if method == "reinforcement":
        return rng.choice([
            dumps(chat({"role": "system", "content": "x"}, user("q"), answer="1")),
            dumps(chat({"role": "developer", "content": "x"}, answer="1")),
            dumps(chat(user("q"), assistant("a", weight=1), user("q2"), answer="1")),
            dpo(), "[1, 2"])
    return rng.choice(list(SFT_ERROR_LINES.values()))


def _valid(rng: random.Random, method: str) -> str:
    if method == "dpo":
        return dpo(_text(rng, rng.randint(2, 30)), _text(rng, 20),
                   rng.choice([_text(rng, 20), "same"]) if rng.random() < 0.9 else _text(rng, 20))
    if method == "reinforcement":
        return rft(answer=_text(rng, 3)) if rng.random() < 0.5 else dumps(chat(
            {"role": "developer", "content": rng.choice(SYSTEMS)}, user(_text(rng, 30)),
            reference=_text(rng, 4)))
    return _valid_sft(rng)


def mixed_file(path: Path, method: str = "supervised", *, min_bytes: int = 1_200_000,
               seed: int = 1) -> Path:
    """Valid lines of many shapes, every error kind of the method over and over (far more
    than the report's first 20), blank and whitespace lines, CRLF endings, a leading BOM,
    NUL bytes, and (supervised) one example over the token limit."""
    rng = random.Random(seed)
    out = bytearray(b"\xef\xbb\xbf")
    if method == "supervised":
        out += dumps(chat(user("word " * 70_000), assistant("ok"))).encode() + b"\n"
    while len(out) < min_bytes:
        r = rng.random()
        if r < 0.06:
            line: str | bytes = rng.choice(["", "   ", "\t"])
        elif r < 0.2:
            line = _invalid(rng, method)
        else:
            line = _valid(rng, method)
        data = line if isinstance(line, bytes) else line.encode("utf-8")
        out += data + (b"\r\n" if rng.random() < 0.1 else b"\n")
    path.write_bytes(bytes(out))
    return path


def report_of(path: Path, **kwargs) -> dict:
    return validate_file(path, **kwargs).model_dump(mode="json")


@pytest.fixture
def many_chunks(monkeypatch):
    """Files of a few hundred kB go parallel, in dozens of chunks."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(parallel, "MIN_CHUNK_BYTES", 4 * 1024)


@pytest.mark.parametrize("method", ["supervised", "dpo", "reinforcement"])
def test_the_generated_files_hold_every_kind(tmp_path, method):
    report = validate_file(mixed_file(tmp_path / "t.jsonl", method), workers=1)
    assert report.method == method and report.method_detected
    assert report.invalid > 40 and len(report.first_errors) == 20
    assert {"blank_line", "utf8_bom"} <= set(report.warnings)
    if method == "supervised":
        assert set(report.errors) >= set(SFT_ERROR_LINES)
        assert {"over_token_limit", "tool_arguments_not_json", "unknown_tool",
                "no_trainable_assistant_message", "image_format"} <= set(report.warnings)


@pytest.mark.parametrize("start", ["fork", "spawn"])
@pytest.mark.parametrize("method", ["supervised", "dpo", "reinforcement"])
def test_chunked_scan_matches_one_pass(tmp_path, monkeypatch, many_chunks, method, start):
    path = mixed_file(tmp_path / "t.jsonl", method)
    plain = report_of(path, workers=1)
    monkeypatch.setattr(chunks, "start_method", lambda fork_ok: start)
    _, info = parallel.scan_file(str(path), LineScanner("gpt-4o-mini", method))
    assert info.workers == 2 and info.chunks > 10 and info.worker_peak_rss_kb
    assert report_of(path, workers=2) == plain


def test_scan_from_a_thread_matches_one_pass(tmp_path, many_chunks):
    """As the TUI calls it: workers do every chunk, this process only waits."""
    path = mixed_file(tmp_path / "t.jsonl", seed=3)
    plain = report_of(path, workers=1)
    got: list[dict] = []
    thread = threading.Thread(target=lambda: got.append(report_of(path, workers=2)))
    thread.start()
    thread.join(120)
    assert got == [plain]


def test_the_reference_tokenizer_counts_the_same(tmp_path, monkeypatch):
    path = mixed_file(tmp_path / "t.jsonl", seed=4)
    fast = report_of(path, workers=1)
    monkeypatch.setenv("TUNEDECK_TOKEN_ENGINE", "tiktoken")
    tokens.count_function.cache_clear()
    try:
        assert report_of(path, workers=1) == fast
    finally:
        tokens.count_function.cache_clear()
    assert validate_bytes(path.read_bytes()).model_dump(mode="json") == fast | {"path": None}


def test_cli_json_on_a_file_big_enough_for_workers(tmp_path):
    path = mixed_file(tmp_path / "big.jsonl", min_bytes=parallel.MIN_PARALLEL_BYTES + 500_000,
                      seed=5)
    out = subprocess.run([sys.executable, "-m", "tui.cli.main", "validate", str(path), "--json",
                          "--workers", "2"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr  # not trainable: it has errors
    assert json.loads(out.stdout) == report_of(path, workers=1)


@pytest.mark.parametrize("workers", [1, 2])
def test_import_stores_the_plain_scan_lines_and_report(tmp_path, many_chunks, workers):
    path = mixed_file(tmp_path / "t.jsonl", seed=6)
    plain = report_of(path, workers=1)
    with Store(tmp_path / "t.db") as store:
        version = import_file(store, path, name="t", workers=workers).version
        assert version.report == plain | {"path": str(path)}
        stored = [(e.line, e.status, e.format, e.category, e.message, e.tokens,
                   e.assistant_tokens, e.n_messages, e.data)
                  for e in store.datasets.page_examples(version.id, limit=10**6)]
    expected = [(r.line, r.status, r.format, r.category, r.message, r.tokens, r.assistant_tokens,
                 r.n_messages, r.raw.decode("utf-8", "replace").rstrip("\r\n"))
                for r in iter_line_results(path)]
    assert stored == expected


VALUES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "bot", "", "hi",
                          "a <b>", None, 0, 1, [], {}])
MESSAGE_LIKE = st.builds(
    lambda role, content, extra: {"role": role, "content": content, **extra},
    VALUES, VALUES,
    st.dictionaries(st.sampled_from(["weight", "name", "tool_calls", "refusal"]), VALUES,
                    max_size=1) | st.just({}))
PLAINISH = st.builds(
    lambda messages, extra: {"messages": messages, **extra},
    st.lists(MESSAGE_LIKE, max_size=4) | st.lists(st.builds(
        lambda role, content: {"role": role, "content": content},
        st.sampled_from(["system", "developer", "user", "assistant"]),
        st.sampled_from(["hi", "", "x y"])), max_size=4),
    st.just({}) | st.just({"tools": []}) | st.just({"metadata": {}}))


@settings(max_examples=500, deadline=None)
@given(PLAINISH)
def test_the_plain_chat_shortcut_passes_only_what_the_full_checks_pass(obj):
    """check_example skips its rules for lines `is_plain_chat` accepts: the full rules
    (check_special on, so the shortcut is off) must find nothing in any of them."""
    if is_plain_chat(obj):
        fmt, ex = check_example(obj, "supervised", check_special=True)
        assert (fmt, ex.err, ex.warn) == ("sft", [], [])


def test_the_shortcut_takes_plain_lines_and_nothing_else():
    plain = {"messages": [{"role": "system", "content": "s"}, user("q"), assistant("a")]}
    assert is_plain_chat(plain)
    for other in ({"messages": [user("q")]}, {"messages": [user("q"), assistant("a", weight=1)]},
                  {"messages": [user("q"), assistant("")]}, {**plain, "tools": []},
                  {"messages": [{"role": "tool", "content": "x"}, assistant("a")]}, []):
        assert not is_plain_chat(other)


@pytest.mark.parametrize("seed", [1, 9])
def test_the_plain_chat_shortcut_changes_no_report(tmp_path, monkeypatch, seed):
    """Accumulator.feed takes plain chat lines as scan_fast's counts; with every line
    given the full scan instead, the report is the same, field for field."""
    path = mixed_file(tmp_path / "t.jsonl", seed=seed)
    scanner = LineScanner("gpt-4o-mini", "supervised")
    shortcuts = sum(type(scanner.scan_fast(*r)) is tuple for r in _numbered(path))
    assert shortcuts > 100  # the file has plain lines, and the shortcut takes them
    fast = report_of(path, workers=1)
    monkeypatch.setattr(LineScanner, "scan_fast", LineScanner.scan)
    assert report_of(path, workers=1) == fast


def _numbered(path: Path):
    from tui.core.datasets.lines import read_range
    from tui.core.datasets.scan import is_blank

    for number, (offset, raw, size) in enumerate(read_range(path), 1):
        if not is_blank(offset, raw, size):
            yield number, offset, raw, size


CONTENT = st.sampled_from(["hi", "x y", "", "a <b>", "<|im_end|>", "café", "word " * 30]
                          ) | st.text(max_size=40)


def _lines(obj: dict) -> list[bytes]:
    """The example as JSON three ways: ASCII-escaped, UTF-8, and with every "<" escaped."""
    ascii_json = json.dumps(obj)
    return [ascii_json.encode(), dumps(obj).encode("utf-8", "surrogatepass"),
            ascii_json.replace("<", "\\u003c").encode()]


@settings(max_examples=400, deadline=None)
@given(st.builds(
    lambda messages, extra: {"messages": messages, **extra},
    st.lists(st.builds(lambda role, content, more: {"role": role, "content": content, **more},
                       st.sampled_from(["system", "developer", "user", "assistant", "tool"]),
                       CONTENT, st.just({}) | st.just({"weight": 0}) | st.just({"name": "a"})),
             max_size=5),
    st.just({}) | st.just({"tools": []})))
def test_scan_fast_gives_what_scan_gives(obj):
    """For every line, scan_fast's counts are scan's valid no-finding result, or it
    returns scan's LineResult itself."""
    scanner = LineScanner("gpt-4o-mini", "supervised")
    for raw in _lines(obj):
        full = scanner.scan(3, 10, raw, len(raw) + 1)
        fast = scanner.scan_fast(3, 10, raw, len(raw) + 1)
        if type(fast) is tuple:
            assert (full.status, full.format, full.errors, full.warnings) == ("valid", "sft", [], [])
            assert fast == (full.tokens, full.assistant_tokens, full.n_messages)
        else:
            assert fast == full


def test_scan_fast_leaves_special_tokens_and_long_examples_to_the_full_rules():
    scanner = LineScanner("gpt-4o-mini", "supervised")
    plain = dumps(chat(user("say <|endoftext|>"), assistant("ok"))).encode()
    for raw in (plain, plain.replace(b"<", b"\\u003c")):  # as is, and as a JSON escape
        result = scanner.scan_fast(1, 0, raw, len(raw) + 1)
        assert type(result) is not tuple and result.category == "special_token"
    raw = dumps(chat(user("word " * 70_000), assistant("ok"))).encode()
    result = scanner.scan_fast(1, 0, raw, len(raw) + 1)
    assert type(result) is not tuple and result.warnings[0][0] == "over_token_limit"
    hashing = LineScanner("gpt-4o-mini", "supervised", hash_examples=True)
    assert hashing.scan_fast(1, 0, GOOD.encode(), len(GOOD) + 1).content_hash is not None


def test_train_validation_overlap_counts_the_same_in_chunks(tmp_path, many_chunks):
    train = mixed_file(tmp_path / "train.jsonl", seed=7)
    valid = tmp_path / "valid.jsonl"
    lines = train.read_bytes().splitlines(keepends=True)
    valid.write_bytes(b"".join(lines[1::7]) + mixed_file(tmp_path / "v.jsonl", seed=8,
                                                          min_bytes=200_000).read_bytes())
    plain = report_of(train, workers=1, validation_path=valid)
    assert plain["errors"].get("train_validation_overlap")
    assert report_of(train, workers=2, validation_path=valid) == plain
