"""The schema: migrations applied once, from an empty file, with the house settings."""

from __future__ import annotations

import os
import sqlite3
import stat

from store.db import open_db
from store.migrations import migrations

EXPECTED_TABLES = {
    "datasets", "dataset_versions", "examples", "prompts", "prompt_versions", "playground_runs",
    "evals", "eval_runs", "eval_results", "provider_files", "jobs", "job_events", "job_metrics",
    "job_checkpoints", "job_result_files", "models", "loops", "deployments",
    "optimizations", "optimization_candidates", "optimization_runs",
}


def test_empty_database_upgrades_to_the_full_schema(tmp_path):
    path = tmp_path / "fresh.db"
    sqlite3.connect(path).close()  # an empty file, as an older tunedeck might leave
    db = open_db(path)
    assert EXPECTED_TABLES <= set(db.table_names())
    applied = [m.name for m in migrations.applied(db)]
    assert applied == [m.name for m in migrations._migrations]
    assert applied[0] == "m001_initial"
    # Columns the panes rely on exist with the right types.
    jobs = {c.name: c.type for c in db["jobs"].columns}
    assert jobs["remote_id"] == "TEXT" and jobs["trained_tokens"] == "INTEGER"
    assert {c.name: c.type for c in db["models"].columns}["shutdown_date"] == "TEXT"
    assert {"baseline_model", "baseline_profile", "source_job_id"} <= {
        c.name for c in db["loops"].columns}
    assert "variables_json" in {c.name for c in db["playground_runs"].columns}
    examples = {c.name for c in db["examples"].columns}
    assert {"version_id", "line", "status", "category", "tokens", "body"} <= examples
    assert {i.name for i in db["examples"].indexes} >= {"examples_by_status"}


def test_migrations_apply_once(tmp_path):
    path = tmp_path / "t.db"
    open_db(path).close()
    db = open_db(path)
    rows = db.execute("SELECT name, COUNT(*) FROM _sqlite_migrations GROUP BY name").fetchall()
    assert rows and all(count == 1 for _, count in rows)


def test_migration_upgrade_keeps_existing_rows(tmp_path):
    """A database at the first migration, with data, upgrades without losing it."""
    path = tmp_path / "old.db"
    from store.db import connect

    db = connect(path)
    migrations.apply(db, stop_before=[m.name for m in migrations._migrations[1:]] or None)
    db.execute(
        "INSERT INTO datasets (name, description, created_at) VALUES ('kept', '', '2026-01-01')"
    )
    db.close()
    db = open_db(path)
    assert [r["name"] for r in db.query("SELECT name FROM datasets")] == ["kept"]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_examples_stored_before_packing_stay_readable(tmp_path):
    """A store at m003 (as main's code left it: lines kept as text since m001) upgrades:
    every line moves into the compressed `body` column unchanged, m003's tables stay."""
    from store import Store
    from store.db import connect

    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db, stop_before=["m004_packed_examples"])
    db.execute("INSERT INTO datasets (id, name, created_at) VALUES (1, 'old', '2026-01-01')")
    db.execute("INSERT INTO dataset_versions (id, dataset_id, version, content_hash, status, "
               "created_at) VALUES (1, 1, 1, 'h', 'ready', '2026-01-01')")
    lines = ['{"messages": [{"role": "user", "content": "caf\u00e9 ✓"}]}', "not json", "x" * 5000]
    db.execute("INSERT INTO deployments (profile, model, name, status, created_at, updated_at) "
               "VALUES ('az', 'ft:m', 'dep', 'succeeded', 't', 't')")
    for n, text in enumerate(lines, 1):
        db.execute("INSERT INTO examples (version_id, line, status, category, tokens, data) "
                   "VALUES (1, ?, ?, ?, ?, ?)",
                   [n, "valid" if n == 1 else "invalid", None if n == 1 else "invalid_json", n, text])
    db.close()
    with Store(path) as store:
        assert [e.data for e in store.datasets.page_examples(1)] == lines
        assert store.datasets.example(1, 3).data == lines[2]
        assert store.datasets.count_examples(1, search="CAF") == 1  # search still finds them
        assert store.datasets.count_examples(1, status="invalid") == 2
        assert store.datasets.categories(1) == [("invalid_json", 2)]
        (kind,) = store.db.execute("SELECT DISTINCT typeof(body) FROM examples").fetchone()
        assert kind == "blob"
        assert {i.name for i in store.db["examples"].indexes} >= {
            "examples_by_status", "examples_by_category"}
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [m.name for m in migrations.applied(store.db)]
        assert names[names.index("m003_retirement_deployments_retrain") + 1] \
            == "m004_packed_examples"
        assert store.db.execute("SELECT name FROM deployments").fetchall() == [("dep",)]


def test_database_file_is_private_and_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "t.db"
    old_umask = os.umask(0o022)
    try:
        db = open_db(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1



def test_a_second_opener_waits_for_a_migration_in_progress_instead_of_failing(tmp_path):
    # A TUI and a headless command started together on a fresh home: each saw
    # the migrations pending, and the one that lost the race died on "table
    # ... already exists" or "database is locked" once the winner committed.
    import threading
    import time

    from store.db import connect

    path = tmp_path / "raced.db"
    first = connect(path)
    first.execute("BEGIN IMMEDIATE")
    migrations.apply(first)  # the schema written, not yet committed
    outcome: list[object] = []

    def second_opener() -> None:
        try:
            outcome.append(open_db(path))
        except Exception as exc:  # noqa: BLE001 - the failure is what the test reports
            outcome.append(exc)

    thread = threading.Thread(target=second_opener)
    thread.start()
    time.sleep(0.3)
    first.execute("COMMIT")
    thread.join(30)
    (db,) = outcome
    assert not isinstance(db, Exception), db
    assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]
