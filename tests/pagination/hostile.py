"""A loopback OpenAI-shaped server whose lists never end, and a profile pointing at it.

mode "same": every misbehaving list answers the same page with `has_more: true`
whatever `after` says (what Prism does serving OpenAI's own spec). mode
"endless": each page is new (its ids come from the `after` sent) and
`has_more` is always true: the cursor advances but the list never ends.
`lists` names the lists that misbehave (files, jobs, events, checkpoints,
evals, runs, output_items, batches; Together's and Fireworks' in
hostile_others.py); the others answer one honest page.
Every request is counted in `hits`, so a test can check the reader stopped.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY_ENV = "TUNEDECK_TEST_HOSTILE_KEY"
JOB_ID = "ftjob-hostile"
PAGE_SIZE = 2
ALL_LISTS = ("files", "jobs", "events", "checkpoints", "evals", "runs", "output_items",
             "batches")


def _file(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "file", "bytes": 10, "created_at": 1_700_000_000,
            "filename": f"{item_id}.jsonl", "purpose": "fine-tune", "status": "processed"}


def _job(item_id: str, status: str) -> dict[str, Any]:
    return {"id": item_id, "object": "fine_tuning.job", "created_at": 1_700_000_000,
            "model": "gpt-4.1-mini-2025-04-14", "status": status, "training_file": "file-x",
            "validation_file": None, "fine_tuned_model": None, "finished_at": None,
            "hyperparameters": {"n_epochs": 1}, "organization_id": "org-x", "result_files": [],
            "seed": 1, "trained_tokens": None, "error": None,
            "method": {"type": "supervised"}}


def _event(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "fine_tuning.job.event", "created_at": 1_700_000_001,
            "level": "info", "type": "message", "message": "Checkpoint created at step 1"}


def _checkpoint(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "fine_tuning.job.checkpoint", "created_at": 1_700_000_002,
            "fine_tuned_model_checkpoint": f"ft:gpt-4.1-mini:x::{item_id}:ckpt-step-1",
            "fine_tuning_job_id": JOB_ID, "step_number": 1,
            "metrics": {"step": 1, "train_loss": 0.5}}


def _eval(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "eval", "created_at": 1_700_000_000, "name": "hostile",
            "metadata": None, "testing_criteria": [],
            "data_source_config": {"type": "custom", "schema": {"type": "object"}}}


def _run(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "eval.run", "created_at": 1_700_000_000,
            "eval_id": "eval-hostile", "name": "r", "model": "m", "status": "completed",
            "result_counts": {"total": 1, "passed": 1, "failed": 0, "errored": 0},
            "per_testing_criteria_results": [], "per_model_usage": [], "error": None,
            "data_source": {"type": "completions", "source": {"type": "file_id", "id": "f"}},
            "metadata": None, "report_url": "http://127.0.0.1/r"}


def _output_item(item_id: str, index: int) -> dict[str, Any]:
    return {"id": item_id, "object": "eval.run.output_item", "created_at": 1_700_000_000,
            "eval_id": "eval-hostile", "run_id": "evalrun-hostile", "status": "pass",
            "datasource_item_id": index, "datasource_item": {"q": "x"}, "results": [],
            "sample": {"input": [], "output": [], "model": "m", "finish_reason": "stop",
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                 "total_tokens": 2, "cached_tokens": 0},
                       "error": {"code": "", "message": ""}, "max_completion_tokens": 1,
                       "seed": 1, "temperature": 1.0, "top_p": 1.0}}


def _batch(item_id: str) -> dict[str, Any]:
    return {"id": item_id, "object": "batch", "created_at": 1_700_000_000,
            "endpoint": "/v1/chat/completions", "input_file_id": "file-someone-else",
            "completion_window": "24h", "status": "completed",
            "request_counts": {"total": 1, "completed": 1, "failed": 0}}


# (list name, path pattern, id prefix); the first match wins.
_LISTS = [
    ("events", re.compile(r"^/fine_tuning/jobs/[^/]+/events$"), "ftevent"),
    ("checkpoints", re.compile(r"^/fine_tuning/jobs/[^/]+/checkpoints$"), "ftckpt"),
    ("jobs", re.compile(r"^/fine_tuning/jobs$"), "ftjob"),
    ("output_items", re.compile(r"^/evals/[^/]+/runs/[^/]+/output_items$"), "outputitem"),
    ("runs", re.compile(r"^/evals/[^/]+/runs$"), "evalrun"),
    ("evals", re.compile(r"^/evals$"), "eval"),
    ("files", re.compile(r"^/files$"), "file"),
    ("batches", re.compile(r"^/batches$"), "batch"),
]


class Hostile(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str = "same", lists: tuple[str, ...] = ALL_LISTS, *,
                 job_status: str = "running") -> None:
        assert mode in ("same", "endless")
        self.mode, self.lists, self.job_status = mode, lists, job_status
        self.hits: list[str] = []
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def count(self, name: str) -> int:
        """Requests made to one list."""
        return sum(1 for hit in self.hits if hit == name)

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def hit(self, name: str) -> None:
        with self._lock:
            self.hits.append(name)

    def item(self, name: str, item_id: str, index: int) -> dict[str, Any]:
        if name == "jobs":
            return _job(item_id, self.job_status)
        if name == "output_items":
            return _output_item(item_id, index)
        return {"files": _file, "events": _event, "checkpoints": _checkpoint,
                "evals": _eval, "runs": _run, "batches": _batch}[name](item_id)

    def page(self, name: str, prefix: str, after: str | None) -> dict[str, Any]:
        if name not in self.lists:
            return {"object": "list", "data": [self.item(name, f"{prefix}-honest", 0)],
                    "has_more": False}
        number = 0
        if self.mode == "endless" and after:
            found = re.search(r"-p(\d+)-\d+$", after)
            number = int(found[1]) + 1 if found else 0
        ids = [f"{prefix}-p{number}-{k}" for k in range(PAGE_SIZE)]
        if name == "jobs":
            ids[0] = JOB_ID if number == 0 else ids[0]
        data = [self.item(name, item_id, number * PAGE_SIZE + k) for k, item_id in enumerate(ids)]
        return {"object": "list", "data": data, "has_more": True,
                "first_id": ids[0], "last_id": ids[-1]}

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, method: str, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        from tests.pagination import hostile_others

        if method == "GET" and path.startswith("/together/v1/"):
            return hostile_others.together(self, path.removeprefix("/together/v1"))
        if method == "GET" and path.startswith("/fireworks/v1/"):
            return hostile_others.fireworks(self, path.removeprefix("/fireworks/v1"), query)
        if method == "GET":
            for name, pattern, prefix in _LISTS:
                if pattern.match(path):
                    self.hit(name)
                    return self.page(name, prefix, (query.get("after") or [None])[0])
            self.hit(path)
            if (found := re.match(r"^/fine_tuning/jobs/([^/]+)$", path)):
                return _job(found[1], self.job_status)
            if (found := re.match(r"^/evals/([^/]+)$", path)):
                return _eval(found[1])
            if (found := re.match(r"^/files/([^/]+)$", path)):
                return _file(found[1])
        if method == "POST" and path == "/files":
            self.hit("POST /files")
            return _file("file-uploaded")
        raise LookupError(f"{method} {path}")


class _Handler(BaseHTTPRequestHandler):
    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        try:
            # OpenAI's routes also under Azure's and Bedrock's prefixes (OpenAI-shaped too).
            route = url.path
            for prefix in ("/openai/v1", "/bedrock/v1", "/v1"):
                if route.startswith(prefix + "/"):
                    route = route.removeprefix(prefix)
                    break
            status, body = 200, self.server.answer(  # type: ignore[attr-defined]
                method, route, parse_qs(url.query))
        except LookupError as exc:
            status, body = 404, {"error": {"message": f"no route {exc}", "code": None,
                                           "type": "invalid_request_error", "param": None}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def log_message(self, *args: Any) -> None:
        pass


def configure(home: Path, server: Hostile, monkeypatch: Any, *, kind: str = "sandbox") -> None:
    """A config.toml whose default profile points at `server` (a loopback port): an
    OpenAI-shaped kind on its /v1, together and fireworks on their dialect's root."""
    from tests.pagination.hostile_others import ACCOUNT

    monkeypatch.setenv(KEY_ENV, "sk-hostile-test-key-0123456789")
    base = {"together": f"{server.root_url}/together",
            "fireworks": f"{server.root_url}/fireworks"}.get(kind, server.base_url)
    extra = f'account = "{ACCOUNT}"\n' if kind == "fireworks" else ""
    (home / "config.toml").write_text(
        f'default_profile = "hostile"\n[profiles.hostile]\nkind = "{kind}"\n'
        f'base_url = "{base}"\napi_key_env = "{KEY_ENV}"\n{extra}')
