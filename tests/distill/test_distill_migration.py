"""m007: a store from before distillation upgrades, keeping its data, and gains the tables."""

from __future__ import annotations

from store import Store
from store.db import connect
from store.migrations import migrations


def test_a_store_from_before_m007_upgrades_with_its_rows_intact(tmp_path):
    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db, stop_before=["m007_distillation"])
    db.execute("INSERT INTO datasets (name, description, created_at) "
               "VALUES ('kept', '', '2026-01-01')")
    db.close()
    with Store(path) as store:  # opening applies m007 on top
        applied = [m.name for m in migrations.applied(store.db)]
        assert applied[-1] == "m007_distillation" and applied.count("m007_distillation") == 1
        assert [d.name for d in store.datasets.list()] == ["kept"]
        run = store.distills.create(into_name="x", source_kind="dataset", teacher="t",
                                    teacher_profile="p")
        store.distills.add_sample(run.id, 0, 0, status="kept", messages=[], answer="a",
                                  score=None)
        # A second answer for a pair already paid (two resumers racing) is not kept.
        store.distills.add_sample(run.id, 0, 0, status="dropped", messages=[], answer="b",
                                  score=None)
        assert [r["answer"] for r in store.distills.samples(run.id)] == ["a"]
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
