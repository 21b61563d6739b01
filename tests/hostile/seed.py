"""A store holding hostile text in every field, written the ways tunedeck itself writes:
a dataset imported from a file, an eval run against the sandbox over HTTP (its model
echoes the hostile items back), and job, prompt and loop rows a provider or a user
could have filled."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from store import Store
from tests.hostile import corpus
from tui.cli import main as cli
from tui.core.dataset_versions import import_file

KEY_ENV = "TUNEDECK_TEST_SANDBOX_KEY"


@dataclass
class Seeded:
    db: Path
    dataset_file: Path
    eval_file: Path
    version_id: int
    eval_id: int
    jobs: dict[str, int]
    loop_id: int


def configure(home: Path, server, monkeypatch) -> None:
    """The sandbox as the default profile (real loopback HTTP)."""
    monkeypatch.setenv(KEY_ENV, server.api_key)
    (home / "config.toml").write_text(
        f'default_profile = "sandbox"\npoll_interval_s = 60\n[profiles.sandbox]\n'
        f'kind = "sandbox"\nbase_url = "{server.base_url}"\napi_key_env = "{KEY_ENV}"\n')


def seed(home: Path, server, monkeypatch, tmp: Path) -> Seeded:
    configure(home, server, monkeypatch)
    db = home / "tunedeck.db"
    dataset_file = corpus.write_dataset(tmp)
    eval_file = corpus.eval_file(tmp)
    with Store(db) as store:
        version = import_file(store, dataset_file, name=corpus.DATASET_NAME).version
        # The same lines under a name the playground's `name count` prompts can parse.
        import_file(store, dataset_file, name="hostile-data")
    # Two runs of the hostile eval, sampled from the sandbox: the answers echo the items.
    assert cli.main(["--db", str(db), "eval", "run", str(eval_file), "-m", "sandbox-small",
                     "-m", "sandbox-large"]) in (0, 1)
    with Store(db) as store:
        [eval_row] = store.evals.list()
        jobs = corpus.seed_jobs(store, "sandbox", version.id)
        corpus.seed_prompts(store, "sandbox")
        loop_id = corpus.seed_loop(store, "sandbox", eval_row.id, version.id, jobs["failed"])
    return Seeded(db, dataset_file, eval_file, version.id, eval_row.id, jobs, loop_id)
