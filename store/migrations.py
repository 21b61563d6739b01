"""Named schema migrations, applied once each at open (sqlite-utils Migrations).

Never edit a migration that has shipped: add a new one. tests/store/test_migrate.py
upgrades a database created by m001 alone and checks the result.
"""

from __future__ import annotations

from store._sqlite import Migrations, sqlite_utils

migrations = Migrations("tunedeck")

_M001 = [
    # Datasets: a name, and immutable versions identified by content hash.
    """CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE dataset_versions (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        source_path TEXT,
        parent_version_id INTEGER REFERENCES dataset_versions(id),
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'importing',
        format TEXT,
        model TEXT,
        n_lines INTEGER NOT NULL DEFAULT 0,
        n_examples INTEGER NOT NULL DEFAULT 0,
        n_invalid INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        report_json TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (dataset_id, version),
        UNIQUE (dataset_id, content_hash)
    )""",
    """CREATE TABLE examples (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        status TEXT NOT NULL,
        format TEXT,
        category TEXT,
        message TEXT,
        tokens INTEGER,
        assistant_tokens INTEGER,
        n_messages INTEGER,
        data TEXT NOT NULL,
        UNIQUE (version_id, line)
    )""",
    "CREATE INDEX examples_by_status ON examples (version_id, status, line)",
    "CREATE INDEX examples_by_category ON examples (version_id, category, line)",
    # Prompts: every saved change is a new version.
    """CREATE TABLE prompts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE prompt_versions (
        id INTEGER PRIMARY KEY,
        prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        messages_json TEXT NOT NULL,
        params_json TEXT NOT NULL DEFAULT '{}',
        model TEXT,
        note TEXT NOT NULL DEFAULT '',
        remote_id TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (prompt_id, version)
    )""",
    """CREATE TABLE playground_runs (
        id INTEGER PRIMARY KEY,
        prompt_version_id INTEGER REFERENCES prompt_versions(id),
        profile TEXT NOT NULL,
        model TEXT NOT NULL,
        api TEXT NOT NULL DEFAULT 'chat',
        params_json TEXT NOT NULL DEFAULT '{}',
        input_json TEXT NOT NULL,
        output_text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        error TEXT,
        input_tokens INTEGER,
        cached_tokens INTEGER,
        output_tokens INTEGER,
        reasoning_tokens INTEGER,
        ttft_ms REAL,
        latency_ms REAL,
        cost_usd REAL,
        compare_group TEXT,
        created_at TEXT NOT NULL
    )""",
    # Evals: definitions (local, from a file, or imported), runs, per-item results.
    """CREATE TABLE evals (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'local',
        profile TEXT,
        remote_id TEXT,
        definition_path TEXT,
        data_source_config_json TEXT NOT NULL DEFAULT '{}',
        testing_criteria_json TEXT NOT NULL DEFAULT '[]',
        input_messages_json TEXT,
        prompt_version_id INTEGER REFERENCES prompt_versions(id),
        dataset_version_id INTEGER REFERENCES dataset_versions(id),
        metadata_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (profile, remote_id)
    )""",
    """CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY,
        eval_id INTEGER NOT NULL REFERENCES evals(id) ON DELETE CASCADE,
        name TEXT NOT NULL DEFAULT '',
        profile TEXT,
        remote_id TEXT,
        model TEXT,
        status TEXT NOT NULL,
        prompt_version_id INTEGER REFERENCES prompt_versions(id),
        data_source_json TEXT NOT NULL DEFAULT '{}',
        result_counts_json TEXT,
        per_testing_criteria_results_json TEXT,
        usage_json TEXT,
        cost_usd REAL,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        UNIQUE (profile, remote_id)
    )""",
    """CREATE TABLE eval_results (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        item_index INTEGER NOT NULL,
        remote_id TEXT,
        item_json TEXT NOT NULL,
        sample_json TEXT,
        status TEXT NOT NULL,
        score REAL,
        results_json TEXT NOT NULL DEFAULT '[]',
        input_tokens INTEGER,
        output_tokens INTEGER,
        latency_ms REAL,
        cost_usd REAL,
        error TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (run_id, item_index)
    )""",
    "CREATE INDEX eval_results_by_status ON eval_results (run_id, status, item_index)",
    # Files on a provider, linked to the dataset version whose bytes they hold.
    """CREATE TABLE provider_files (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes INTEGER,
        content_hash TEXT,
        dataset_version_id INTEGER REFERENCES dataset_versions(id),
        status TEXT,
        remote_created_at INTEGER,
        created_at TEXT NOT NULL,
        UNIQUE (profile, remote_id)
    )""",
    "CREATE INDEX provider_files_by_hash ON provider_files (profile, content_hash, purpose)",
    # Fine-tuning jobs with everything the provider told us about them.
    """CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        status TEXT NOT NULL,
        method TEXT,
        model TEXT NOT NULL,
        fine_tuned_model TEXT,
        training_file TEXT,
        validation_file TEXT,
        training_version_id INTEGER REFERENCES dataset_versions(id),
        validation_version_id INTEGER REFERENCES dataset_versions(id),
        suffix TEXT,
        seed INTEGER,
        trained_tokens INTEGER,
        estimated_finish INTEGER,
        error_json TEXT,
        raw_json TEXT NOT NULL,
        remote_created_at INTEGER,
        finished_at INTEGER,
        last_event_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (profile, remote_id)
    )""",
    """CREATE TABLE job_events (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        remote_id TEXT NOT NULL,
        remote_created_at INTEGER NOT NULL,
        level TEXT,
        type TEXT,
        message TEXT NOT NULL,
        data_json TEXT,
        UNIQUE (job_id, remote_id)
    )""",
    "CREATE INDEX job_events_by_time ON job_events (job_id, remote_created_at)",
    """CREATE TABLE job_metrics (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        total_steps INTEGER,
        train_loss REAL,
        train_mean_token_accuracy REAL,
        valid_loss REAL,
        valid_mean_token_accuracy REAL,
        full_valid_loss REAL,
        full_valid_mean_token_accuracy REAL,
        data_json TEXT NOT NULL,
        UNIQUE (job_id, step)
    )""",
    """CREATE TABLE job_checkpoints (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        remote_id TEXT NOT NULL,
        step_number INTEGER NOT NULL,
        fine_tuned_model_checkpoint TEXT NOT NULL,
        metrics_json TEXT NOT NULL DEFAULT '{}',
        remote_created_at INTEGER,
        UNIQUE (job_id, remote_id)
    )""",
    """CREATE TABLE job_result_files (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        file_id TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (job_id, file_id)
    )""",
    # The provider's model list, cached so the playground opens without a request.
    """CREATE TABLE models (
        profile TEXT NOT NULL,
        model_id TEXT NOT NULL,
        owned_by TEXT,
        remote_created INTEGER,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (profile, model_id)
    )""",
]


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    for statement in _M001:
        db.execute(statement)


_M002 = [
    # The guided flywheel loop: baseline eval -> fine-tuning job -> eval again -> compare.
    # One row per loop; each stage's ids are written before the stage's work starts,
    # so a restart resumes the same run or job instead of starting another.
    """CREATE TABLE loops (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        profile TEXT NOT NULL,
        base_model TEXT NOT NULL,
        eval_id INTEGER NOT NULL REFERENCES evals(id),
        training_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
        validation_version_id INTEGER REFERENCES dataset_versions(id),
        job_spec_json TEXT NOT NULL DEFAULT '{}',
        eval_checkpoints INTEGER NOT NULL DEFAULT 0,
        stage TEXT NOT NULL,
        baseline_run_id INTEGER REFERENCES eval_runs(id),
        job_id INTEGER REFERENCES jobs(id),
        tuned_run_id INTEGER REFERENCES eval_runs(id),
        checkpoint_runs_json TEXT NOT NULL DEFAULT '{}',
        comparison_json TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # What the pre-flight estimated, kept beside what the provider later bills
    # (trained_tokens), so the spend ledger can show both.
    "ALTER TABLE jobs ADD COLUMN estimated_cost_usd REAL",
]


@migrations()
def m002_loops_and_estimates(db: sqlite_utils.Database) -> None:
    for statement in _M002:
        db.execute(statement)


_M003 = [
    # GET /v1/models says when a model stops answering (`shutdown_date`, YYYY-MM-DD):
    # kept with the cached list, so retirements show without a request.
    "ALTER TABLE models ADD COLUMN shutdown_date TEXT",
    # Providers where a tuned model answers only once deployed (Azure): which deployment
    # serves which model, so evals and cards find the model behind a deployment name.
    """CREATE TABLE deployments (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        model TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        detail_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (profile, name)
    )""",
    "CREATE INDEX deployments_by_model ON deployments (model)",
    # "Retrain elsewhere" loops: the baseline eval runs on the model being replaced, on
    # the profile it lives on, and the loop remembers the job it retrains.
    "ALTER TABLE loops ADD COLUMN baseline_model TEXT",
    "ALTER TABLE loops ADD COLUMN baseline_profile TEXT",
    "ALTER TABLE loops ADD COLUMN source_job_id INTEGER REFERENCES jobs(id)",
]


@migrations()
def m003_retirement_deployments_retrain(db: sqlite_utils.Database) -> None:
    for statement in _M003:
        db.execute(statement)


_M004 = [
    # Examples keep their line zstd-compressed in `body` (store/codec.py): a 2.4 KB line
    # left most of a 4 KB page empty, so the database was ~1.4x the files it held.
    """CREATE TABLE examples_packed (
        id INTEGER PRIMARY KEY,
        version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        status TEXT NOT NULL,
        format TEXT,
        category TEXT,
        message TEXT,
        tokens INTEGER,
        assistant_tokens INTEGER,
        n_messages INTEGER,
        body BLOB NOT NULL,
        UNIQUE (version_id, line)
    )""",
    """INSERT INTO examples_packed (id, version_id, line, status, format, category, message,
                                    tokens, assistant_tokens, n_messages, body)
       SELECT id, version_id, line, status, format, category, message, tokens,
              assistant_tokens, n_messages, tunedeck_pack(data)
       FROM examples ORDER BY id""",
    "DROP TABLE examples",
    "ALTER TABLE examples_packed RENAME TO examples",
    "CREATE INDEX examples_by_status ON examples (version_id, status, line)",
    "CREATE INDEX examples_by_category ON examples (version_id, category, line)",
]


@migrations()
def m004_packed_examples(db: sqlite_utils.Database) -> None:
    from store.codec import pack_text

    # Stored lines move over compressed, so every dataset already imported stays readable.
    db.conn.create_function("tunedeck_pack", 1, pack_text, deterministic=True)
    for statement in _M004:
        db.execute(statement)


_M005 = [
    # A playground run re-opens as what the user wrote: the prompt version keeps the
    # {{variables}} template, this column keeps the values that filled it.
    "ALTER TABLE playground_runs ADD COLUMN variables_json TEXT",
]


@migrations()
def m005_playground_run_variables(db: sqlite_utils.Database) -> None:
    for statement in _M005:
        db.execute(statement)


_M006 = [
    # Prompt optimization (GEPA) from an eval's feedback: one row per optimization. The
    # split, budget and GEPA's run_dir are written before any call, so a crash or a quit
    # resumes the same search; the seed's and the best's held-out runs prove the result.
    """CREATE TABLE optimizations (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        stop_reason TEXT,
        eval_id INTEGER NOT NULL REFERENCES evals(id),
        seed_version_id INTEGER NOT NULL REFERENCES prompt_versions(id),
        best_version_id INTEGER REFERENCES prompt_versions(id),
        profile TEXT NOT NULL,
        model TEXT NOT NULL,
        reflection_profile TEXT NOT NULL,
        reflection_model TEXT NOT NULL,
        parts_json TEXT NOT NULL DEFAULT '[]',
        split_json TEXT NOT NULL DEFAULT '{}',
        seed INTEGER NOT NULL DEFAULT 0,
        max_metric_calls INTEGER NOT NULL,
        max_usd REAL,
        estimate_json TEXT NOT NULL DEFAULT '{}',
        run_dir TEXT NOT NULL,
        metric_calls INTEGER NOT NULL DEFAULT 0,
        reflection_calls INTEGER NOT NULL DEFAULT 0,
        reflection_cost_usd REAL NOT NULL DEFAULT 0,
        best_candidate_idx INTEGER,
        seed_test_run_id INTEGER REFERENCES eval_runs(id),
        best_test_run_id INTEGER REFERENCES eval_runs(id),
        comparison_json TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # Every candidate GEPA scored on the validation split, with its parents.
    """CREATE TABLE optimization_candidates (
        optimization_id INTEGER NOT NULL REFERENCES optimizations(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        candidate_json TEXT NOT NULL,
        parents_json TEXT NOT NULL DEFAULT '[]',
        val_score REAL,
        val_scores_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        PRIMARY KEY (optimization_id, idx)
    )""",
    # The eval runs an optimization's search made: kept like any run, listed apart.
    # (candidate_hash, batch_key) finds a batch already run, so a resume reuses it.
    """CREATE TABLE optimization_runs (
        eval_run_id INTEGER PRIMARY KEY REFERENCES eval_runs(id) ON DELETE CASCADE,
        optimization_id INTEGER NOT NULL REFERENCES optimizations(id) ON DELETE CASCADE,
        candidate_hash TEXT NOT NULL,
        batch_key TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX optimization_runs_by_key ON optimization_runs "
    "(optimization_id, candidate_hash, batch_key)",
]


@migrations()
def m006_prompt_optimizations(db: sqlite_utils.Database) -> None:
    for statement in _M006:
        db.execute(statement)


_M007 = [
    # A distillation: prompts sampled from a teacher, optionally graded, written as a new SFT
    # version. The run row says what it was asked (so a resume needs nothing else) and, once
    # done, what it made; the lineage of a distilled student reads it.
    """CREATE TABLE distill_runs (
        id INTEGER PRIMARY KEY,
        into_name TEXT NOT NULL,
        status TEXT NOT NULL,
        source_kind TEXT NOT NULL,
        source_version_id INTEGER REFERENCES dataset_versions(id),
        source_eval_id INTEGER REFERENCES evals(id),
        prompt_version_id INTEGER REFERENCES prompt_versions(id),
        teacher TEXT NOT NULL,
        teacher_profile TEXT NOT NULL,
        samples INTEGER NOT NULL DEFAULT 1,
        filter_eval_id INTEGER REFERENCES evals(id),
        min_score REAL,
        params_json TEXT NOT NULL DEFAULT '{}',
        batch_json TEXT,
        n_prompts INTEGER,
        output_version_id INTEGER REFERENCES dataset_versions(id),
        kept INTEGER,
        sampled INTEGER,
        cost_usd REAL,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX distill_runs_by_output ON distill_runs (output_version_id)",
    # batch_json: a Batch API run's input file, batch id and status, saved before and after
    # each provider call so a resumed run polls the same batch instead of paying again.
    # One row per (prompt, sample) answered: a resume skips these, so none is paid twice.
    """CREATE TABLE distill_samples (
        run_id INTEGER NOT NULL REFERENCES distill_runs(id) ON DELETE CASCADE,
        prompt_index INTEGER NOT NULL,
        sample_index INTEGER NOT NULL,
        status TEXT NOT NULL,
        score REAL,
        messages_json TEXT NOT NULL,
        answer TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd REAL,
        error TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, prompt_index, sample_index)
    )""",
]


@migrations()
def m007_distillation(db: sqlite_utils.Database) -> None:
    for statement in _M007:
        db.execute(statement)
