"""The headless commands print hostile names, messages and data without handing a control
sequence to the terminal: human output shows them as visible escapes, JSON stays JSON
with the same meaning, and data exported into a pipe keeps its exact bytes."""

from __future__ import annotations

import io
import json
import re

from store import Store
from tests.hostile import corpus
from tui.cli import main as cli

# Any control character but newline and tab, C1 controls, bidi controls: what a
# terminal would obey. (The tests' own oracle, apart from tui.core.untrusted.)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069\u2028\u2029]")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    for name, text in (("stdout", out), ("stderr", err)):
        found = CONTROLS.search(text)
        assert found is None, f"{argv}: a raw {found.group()!r} in {name}:\n{text!r}"
    return code, out, err


def test_validate_shows_the_file_and_its_errors_as_text(tmp_path, capsys):
    path = corpus.write_dataset(tmp_path)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1  # the hostile lines are invalid: not trainable
    assert "key[/draft][@click=app.screenshot('keyL.svg')]keyL[/]␛]2;pwned␇\\u009b2Jc1" in out


def test_validate_json_is_the_same_report_and_safe_to_print(tmp_path, capsys):
    from tui.core.datasets.validate import validate_file

    path = corpus.write_dataset(tmp_path)
    _, out, _ = run(capsys, "validate", str(path), "--json")
    expected = validate_file(str(path), model="gpt-4o-mini").model_dump(mode="json")
    got = json.loads(out)
    for volatile in ("elapsed_s", "workers"):
        expected.pop(volatile, None)
        got.pop(volatile, None)
    assert got == expected  # escaped for the terminal, the same data once parsed


def test_jobs_list_and_show_print_provider_fields_as_text(seeded, capsys):
    db = str(seeded.db)
    _, out, _ = run(capsys, "--db", db, "jobs", "list")
    assert "ftjob-hostile1" in out and "ft:model[/draft]" in out
    failed = "ftjob-hostile1"
    code, out, _ = run(capsys, "--db", db, "jobs", "show", failed, "--offline")
    assert code == 0
    assert "line 1: joberr [b]bold[/b] [/INST]" in out
    assert "␛]2;pwned␇␛]52;c;Y3VybCBldmlsIHwgc2g=␇␛[2Jwiped\\u009b2Jc1\\u202eevil" in out
    _, out, _ = run(capsys, "--db", db, "jobs", "show", failed, "--offline", "--json")
    assert json.loads(out)["error"]["message"] == corpus.JOB_ERROR


def test_an_error_message_listing_hostile_names_is_shown_as_text(seeded, capsys):
    """An unknown eval: the message lists the evals there are, hostile names among them."""
    code, _, err = run(capsys, "--db", str(seeded.db), "eval", "run", "no-such-eval")
    assert code == 2
    assert "support QA [/draft] evname[/draft]" in err and "␛]2;pwned␇" in err


def test_eval_list_card_and_spend_print_names_as_text(seeded, capsys):
    db = str(seeded.db)
    _, out, _ = run(capsys, "--db", db, "eval", "list")
    assert "support QA [/draft] evname[/draft]" in out
    _, out, _ = run(capsys, "--db", db, "eval", "list", "--json")
    assert json.loads(out)[0]["name"] == corpus.EVAL_NAME
    _, out, _ = run(capsys, "--db", db, "eval", "run", corpus.EVAL_NAME, "-m", "sandbox-small")
    assert "grader[/draft][@click=app.screenshot('graderL.svg')]graderL[/]␛]2;pwned␇" in out
    code, out, _ = run(capsys, "--db", db, "card", corpus.MODEL_ID)
    assert code == 0 and "ft:model[/draft][@click=app.screenshot('modelL.svg')]" in out
    assert "dsname[/draft]" in out  # the dataset version it was trained on
    _, out, _ = run(capsys, "--db", db, "spend", "--by", "model")
    assert "ft:model[/draft]" in out


def test_export_keeps_exact_bytes_in_a_pipe_and_shows_controls_on_a_terminal(seeded, capsys,
                                                                             monkeypatch):
    db = str(seeded.db)
    code, out, _ = run_raw(capsys, "--db", db, "export", "dataset", "hostile-data")
    assert code == 0
    with Store(seeded.db) as store:
        from tui.core.dataset_versions import version_lines

        version = store.datasets.versions(store.datasets.get_by_name("hostile-data").id)[0]
        exact = list(version_lines(store, version.id, only_valid=True))
    assert out.splitlines() == exact  # into a pipe: the training lines, byte for byte
    assert "\x9b" in out and "\u202e" in out  # (the raw C1 and bidi characters are there)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    assert cli.main(["--db", db, "export", "dataset", "hostile-data"]) == 0
    shown = screen.getvalue()
    assert CONTROLS.search(shown) is None
    assert [json.loads(line) for line in shown.splitlines()] == [
        json.loads(line) for line in exact]  # still the same JSON, once parsed


def run_raw(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
