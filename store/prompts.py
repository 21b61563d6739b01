"""Prompts and their versions; playground runs that used them."""

from __future__ import annotations

import hashlib
from typing import Any

from store._sqlite import sqlite_utils
from store._util import dumps, now_iso
from store.db import write
from store.records import PlaygroundRun, Prompt, PromptVersion


def prompt_hash(messages: list[dict[str, Any]], params: dict[str, Any], model: str | None) -> str:
    body = dumps({"messages": messages, "params": params, "model": model})
    return hashlib.sha256(body.encode()).hexdigest()


class PromptRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def list(self) -> list[Prompt]:
        return [Prompt.from_row(r) for r in self.db.query("SELECT * FROM prompts ORDER BY name")]

    def save(
        self,
        name: str,
        messages: list[dict[str, Any]],
        *,
        params: dict[str, Any] | None = None,
        model: str | None = None,
        note: str = "",
    ) -> PromptVersion:
        """Save a prompt; a change makes a new version, an unchanged save returns the latest."""
        params = params or {}
        digest = prompt_hash(messages, params, model)
        with write(self.db):
            row = self.db.execute("SELECT id FROM prompts WHERE name = ?", [name]).fetchone()
            if row is None:
                prompt_id = self.db.execute(
                    "INSERT INTO prompts (name, created_at) VALUES (?, ?)", [name, now_iso()]
                ).lastrowid
            else:
                prompt_id = row[0]
            latest = self.db.execute(
                "SELECT id, content_hash FROM prompt_versions WHERE prompt_id = ? "
                "ORDER BY version DESC LIMIT 1",
                [prompt_id],
            ).fetchone()
            if latest is not None and latest[1] == digest:
                version_id = latest[0]
            else:
                (next_version,) = self.db.execute(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM prompt_versions WHERE prompt_id = ?",
                    [prompt_id],
                ).fetchone()
                version_id = self.db.execute(
                    """INSERT INTO prompt_versions (prompt_id, version, content_hash,
                       messages_json, params_json, model, note, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        prompt_id,
                        next_version,
                        digest,
                        dumps(messages),
                        dumps(params),
                        model,
                        note,
                        now_iso(),
                    ],
                ).lastrowid
        return self.version(version_id)

    def version(self, version_id: int) -> PromptVersion:
        rows = list(self.db.query("SELECT * FROM prompt_versions WHERE id = ?", [version_id]))
        if not rows:
            raise KeyError(f"no prompt version {version_id}")
        return PromptVersion.from_row(rows[0])

    def versions_of(self, prompt_id: int) -> list[PromptVersion]:
        rows = self.db.query(
            "SELECT * FROM prompt_versions WHERE prompt_id = ? ORDER BY version DESC", [prompt_id]
        )
        return [PromptVersion.from_row(r) for r in rows]

    def versions(self, name: str) -> list[PromptVersion]:
        rows = self.db.query(
            """SELECT v.* FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id
               WHERE p.name = ? ORDER BY v.version DESC""",
            [name],
        )
        return [PromptVersion.from_row(r) for r in rows]

    # -- runs --------------------------------------------------------------
    def start_run(
        self,
        *,
        profile: str,
        model: str,
        input: Any,
        api: str = "chat",
        params: dict[str, Any] | None = None,
        prompt_version_id: int | None = None,
        compare_group: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> int:
        with write(self.db):
            return self.db.execute(
                """INSERT INTO playground_runs (prompt_version_id, profile, model, api,
                   params_json, input_json, status, compare_group, variables_json,
                   created_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)""",
                [
                    prompt_version_id,
                    profile,
                    model,
                    api,
                    dumps(params or {}),
                    dumps(input),
                    compare_group,
                    dumps(variables) if variables is not None else None,
                    now_iso(),
                ],
            ).lastrowid

    def finish_run(self, run_id: int, *, status: str, output_text: str, **fields: Any) -> None:
        allowed = {
            "error",
            "input_tokens",
            "cached_tokens",
            "output_tokens",
            "reasoning_tokens",
            "ttft_ms",
            "latency_ms",
            "cost_usd",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        columns = ["status", "output_text", *fields]
        values = [status, output_text, *fields.values()]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        with write(self.db):
            self.db.execute(
                f"UPDATE playground_runs SET {assignments} WHERE id = ?", [*values, run_id]
            )

    def run(self, run_id: int) -> PlaygroundRun:
        rows = list(self.db.query("SELECT * FROM playground_runs WHERE id = ?", [run_id]))
        if not rows:
            raise KeyError(f"no playground run {run_id}")
        return PlaygroundRun.from_row(rows[0])

    def runs(self, *, limit: int = 100, search: str | None = None) -> list[PlaygroundRun]:
        where, params = "", []
        if search:
            where = "WHERE instr(lower(output_text || input_json || model), lower(?)) > 0"
            params.append(search)
        rows = self.db.query(
            f"SELECT * FROM playground_runs {where} ORDER BY id DESC LIMIT ?", [*params, limit]
        )
        return [PlaygroundRun.from_row(r) for r in rows]
