"""A sandbox account worth syncing, a config pointing at it, and a scripted HTTP server."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from store import Store
from tests.jobs.helpers import MODEL, sft_lines, stored_version
from tui.cli import main as cli

KEY_ENV = "TUNEDECK_TEST_SYNC_KEY"


def configure(home: Path, base_url: str, key: str, monkeypatch: Any, *,
              capabilities: list[str] | None = None, name: str = "acct") -> None:
    monkeypatch.setenv(KEY_ENV, key)
    caps = f"capabilities = {json.dumps(capabilities)}\n" if capabilities is not None else ""
    (home / "config.toml").write_text(
        f'default_profile = "{name}"\n[profiles.{name}]\nkind = "sandbox"\n'
        f'base_url = "{base_url}"\napi_key_env = "{KEY_ENV}"\n{caps}')


def run_cli(db: Path, *argv: str) -> int:
    return cli.main(["--db", str(db), *argv])


def table_counts(db: Path) -> dict[str, int]:
    with Store(db) as store:
        names = [r[0] for r in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: store.db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


async def _wait(check, what: str) -> Any:
    for _ in range(1000):
        value = await check()
        if value is not None:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"the sandbox did not finish {what}")


async def seed_account(client: Any, store: Store, profile: str) -> dict[str, Any]:
    """On the provider: a training file uploaded under tunedeck's name for a stored dataset
    version, a file tunedeck never saw, a succeeded job (events, checkpoints, result file)
    and a hosted eval with one completed run of four items. The store learns of none of it."""
    from tui.core.jobs.preflight import prepare_file

    version_id = stored_version(store, name="capitals", n=12, bad=2)
    prepared = prepare_file(store, profile, version_id, "training")
    training = await client.files.create(file=(prepared.filename, prepared.data,
                                               "application/jsonl"), purpose="fine-tune")
    stranger = "".join(f"{line}\n" for line in sft_lines(11)).encode()
    other = await client.files.create(file=("notes.jsonl", stranger, "application/jsonl"),
                                      purpose="fine-tune")
    job = await client.fine_tuning.jobs.create(model=MODEL, training_file=training.id,
                                               suffix="sync")

    async def finished():
        current = await client.fine_tuning.jobs.retrieve(job.id)
        if current.status in ("failed", "cancelled"):
            raise AssertionError(f"seed job ended {current.status}: {current.error}")
        return current if current.status == "succeeded" else None

    job = await _wait(finished, "the job")
    ev = await client.evals.create(
        name="remote-echo", data_source_config={"type": "custom", "item_schema": {
            "type": "object", "properties": {"q": {"type": "string"}}}},
        testing_criteria=[{"type": "string_check", "name": "eq", "operation": "eq",
                           "input": "{{sample.output_text}}", "reference": "{{item.q}}"}])
    run = await client.evals.runs.create(ev.id, data_source={
        "type": "completions", "model": MODEL,
        "source": {"type": "file_content", "content": [{"item": {"q": f"q {i}"}}
                                                        for i in range(4)]},
        "input_messages": {"type": "template", "template": [{"role": "user",
                                                             "content": "{{item.q}}"}]}})

    async def completed():
        current = await client.evals.runs.retrieve(run.id, eval_id=ev.id)
        return current if current.status == "completed" else None

    await _wait(completed, "the eval run")
    return {"version_id": version_id, "training": training.id, "other": other.id,
            "job": job.id, "eval": ev.id, "run": run.id, "sha256": prepared.sha256}


class Scripted(ThreadingHTTPServer):
    """A loopback server answering each path prefix with a fixed (status, body)."""

    daemon_threads = True

    def __init__(self, routes: dict[str, tuple[int, dict[str, Any]]]) -> None:
        self.routes = routes
        self.hits: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


EMPTY = (200, {"object": "list", "data": [], "has_more": False})


def error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": "invalid_request_error",
                              "code": None, "param": None}}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        path = self.path.split("?", 1)[0].removeprefix("/v1")
        self.server.hits.append(path)  # type: ignore[attr-defined]
        routes = self.server.routes  # type: ignore[attr-defined]
        prefix = max((p for p in routes if path.startswith(p)), key=len, default=None)
        status, body = routes[prefix] if prefix else error(404, f"Invalid URL (GET {path})")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass
