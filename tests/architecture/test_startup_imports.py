"""What the first frame imports (issue 19: start-up ≤ 1.3× a bare Textual app).

The app paints, mounts the first pane (Datasets), and only then opens the store
in a worker. So the app and that pane must import neither the store's classes
(sqlite-utils, pydantic records: ~0.15 s) nor, through sqlite-utils, pandas and
numpy (~0.5 s where `tunedeck[local]` installed them). Each check runs in a
fresh interpreter: this test process has long since imported all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("store.store", "store.records", "sqlite_utils", "pydantic", "pandas", "numpy")


def _imported_after(statement: str) -> dict[str, bool]:
    code = (f"import json, sys\n{statement}\n"
            f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout)


def test_the_app_and_its_first_pane_import_no_store_classes():
    loaded = _imported_after("import tui.app, tui.panes.datasets")
    assert not any(loaded.values()), loaded


def test_the_store_loads_sqlite_utils_without_pandas_or_numpy():
    loaded = _imported_after("from store import Store; Store")
    assert loaded["sqlite_utils"] and loaded["store.records"]
    assert not loaded["pandas"] and not loaded["numpy"], loaded
    # Hidden only while sqlite-utils loads: whoever needs numpy later still gets it.
    after = _imported_after("from store import Store; Store\n"
                            "import importlib.util\n"
                            "if importlib.util.find_spec('numpy'): import numpy")
    assert after["numpy"]


def test_the_command_line_parser_imports_no_engine():
    """Every `tunedeck` command builds the whole parser first: `tunedeck validate` on a 20k-line
    file takes ~1 s, and asyncio (~25 ms, via one subcommand's top-level import) was 2.5% of it."""
    code = ("import json, sys\nimport tui.cli.main as m\nm.build_parser()\n"
            "print(json.dumps({k: k in sys.modules for k in ('asyncio', 'pydantic', 'openai', "
            "'textual', 'store.store')}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    loaded = json.loads(done.stdout)
    assert not any(loaded.values()), loaded


def test_validating_a_file_imports_no_pydantic(tmp_path):
    """The report is plain dataclasses: pydantic and its five report models were ~70 ms of a
    ~0.9 s `tunedeck validate` on 20k lines. The CLI's whole validate path is checked, the
    JSON report printed included."""
    path = tmp_path / "train.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "Hi"}, '
                    '{"role": "assistant", "content": "Hello"}]}\n' * 12)
    code = ("import contextlib, io, json, sys\nimport tui.cli.main as m\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    code = m.main(['validate', '--json', {str(path)!r}])\n"
            "assert code == 0 and json.loads(out.getvalue())['valid'] == 12, out.getvalue()\n"
            "print(json.dumps({k: k in sys.modules for k in ('pydantic', 'pydantic_core')}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert not any(loaded.values()), loaded


def test_starting_the_tui_parses_without_the_command_modules():
    """`tunedeck` and `tunedeck --sandbox --profile P --db F` need none of the fourteen
    command modules (~40 ms of every start); a subcommand loads its own module only."""
    code = ("import json, sys\nimport tui.cli.main as m\n"
            "args = m.parse(['--sandbox', '--profile', 'work', '--db', 'x.db'])\n"
            "print(json.dumps([args.command, args.sandbox, args.profile, str(args.db), "
            "[n for n in m.COMMAND_MODULES if n in sys.modules]]))\n"
            "args = m.parse(['--sandbox', 'jobs', 'list'])\n"
            "print(json.dumps([args.command, [n for n in m.COMMAND_MODULES if n in sys.modules]]))\n"
            "args = m.parse(['--db', 'x.db', 'prompt', 'list'])\n"
            "print(json.dumps([args.command, [n for n in m.COMMAND_MODULES if n in sys.modules]]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(ROOT)})
    tui, jobs, prompt = (json.loads(line) for line in done.stdout.splitlines())
    assert tui == [None, True, "work", "x.db", []]
    assert jobs == ["jobs", ["tui.cli.jobs"]]
    assert prompt == ["prompt", ["tui.cli.jobs", "tui.cli.prompt_optimize",
                                 "tui.cli.prompt_versions"]]


def test_each_module_registers_the_command_it_is_listed_under():
    """parse builds a command's parser from the modules COMMAND_OF_MODULE lists for it."""
    import argparse
    import importlib

    from tui.cli.main import COMMAND_OF_MODULE

    for module_name, command in COMMAND_OF_MODULE.items():
        subparsers = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module_name).register(subparsers)
        assert sorted(subparsers.choices) == [command], module_name


@pytest.mark.parametrize("argv", [
    ["validate", "--json", "train.jsonl"],
    ["--db", "x.db", "--sandbox", "jobs", "list"],
    ["--profile", "work", "eval", "run", "capitals.eval.json", "--yes"],
    ["prompt", "list"],
    ["prompt", "show", "greet"],
    ["prompt", "optimize", "--help"],
    ["sandbox", "--port", "0"],
    ["run", "--prompt", "greet", "--version", "1", "--model", "m"],
    ["validate", "--bogus", "f"],
])
def test_a_command_parsed_alone_parses_as_the_full_parser_does(argv, capsys):
    from tui.cli.main import build_parser, parse

    def outcome(parse_with):
        try:
            args = parse_with(argv)
        except SystemExit as exited:
            return ("exit", exited.code, capsys.readouterr())
        return ("args", {k: v for k, v in vars(args).items() if k != "func"},
                getattr(args.func, "__qualname__", None))

    assert outcome(parse) == outcome(lambda a: build_parser().parse_args(a))


@pytest.mark.parametrize(("argv", "says"), [
    (["--profile"], "expected one argument"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--sandbox", "nosuchcommand"], "invalid choice: 'nosuchcommand'"),
])
def test_what_the_tui_options_cannot_take_the_full_parser_explains(argv, says, capsys):
    from tui.cli.main import parse

    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


def test_a_subcommands_own_options_are_the_subcommands(capsys):
    """`run --version 1` is the prompt's version, not tunedeck's (the light parser knew
    --version and printed it)."""
    from tui.cli.main import parse

    args = parse(["--db", "x.db", "run", "--prompt", "greet", "--version", "1", "--model", "m"])
    assert (args.command, args.prompt, str(args.version), str(args.db)) == ("run", "greet", "1", "x.db")
    with pytest.raises(SystemExit) as exited:
        parse(["--version"])
    assert exited.value.code == 0 and "tunedeck " in capsys.readouterr().out


def test_help_lists_the_subcommands(capsys):
    from tui.cli.main import parse

    with pytest.raises(SystemExit):
        parse(["--help"])
    assert "validate" in capsys.readouterr().out
