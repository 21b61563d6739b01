"""The rules of the house, as layers: who may import whom.

- store/ is pure: no textual, no tui, no HTTP clients.
- tui/core/ is headless: no textual, no UI module, no CLI, no server, no engine.
- The servers (tui/sandbox) and the engines (tui/engines: their protocol, the sandbox's
  honest engine, the local TRL engine) never import the UI or the CLI;
  the engines do not import the server either (it imports them).
- The CLI is headless: it starts servers, but the UI only through `run_tui`.
- The UI does not reach into the servers, the engines or the CLI.
- The local engine's heavy libraries (torch, transformers, ...) are imported inside
  functions only, so `import tui.engines.local` stays cheap and works without the [local] extra.

Every import counts: module level, `if TYPE_CHECKING:`, inside a function. A failure names
the file and line. Known exceptions are in ratchets.LAYER_EXCEPTIONS and may only shrink.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.imports import ROOT, Import, imports_in, imports_of, names_a, rel
from tests.architecture.ratchets import LAYER_EXCEPTIONS

# The Textual UI: the App, its panes, screens, widgets and their helpers.
UI = ("textual", "tui.app", "tui.app_routes", "tui.palette", "tui.loop_runner",
      "tui.worker_errors", "tui.ui_text", "tui.panes", "tui.screens", "tui.widgets")
UI_FILES = ("tui/app.py", "tui/app_routes.py", "tui/palette.py",
            "tui/loop_runner.py", "tui/worker_errors.py", "tui/ui_text.py", "tui/panes",
            "tui/screens", "tui/widgets")
CLI = ("tui.cli",)
CLI_FILES = ("tui/cli",)
SERVERS = ("tui.sandbox",)
ENGINES = ("tui.engines",)
ENGINE_FILES = ("tui/engines",)
HEAVY = ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "ray",
         "safetensors", "tokenizers")

RULES = {
    "store is pure": (("store",), ("textual", "tui", "openai", "httpx", "httpx2")),
    "core is headless": (("tui/core",), UI + CLI + SERVERS + ENGINES),
    "servers never import the UI or the CLI": (("tui/sandbox",), UI + CLI),
    "engines never import the UI, the CLI or the server": (ENGINE_FILES, UI + CLI + SERVERS),
    "the CLI is headless": (CLI_FILES, UI),
    "the UI does not reach the servers, engines or CLI": (UI_FILES, SERVERS + ENGINES + CLI),
    # The App imports them; they see it only as tui.host.Host (no cycle through the App).
    "panes, screens and widgets see the App only as Host": (
        tuple(f for f in UI_FILES if f != "tui/app.py"), ("tui.app",)),
}


def exception_key(imp: Import, prefix: str) -> str:
    """"path:function -> module" for an import reaching `prefix` (`from tui import app`
    reaches tui.app: the key names that)."""
    inside = (imp.target, *(f"{imp.target}.{n}" for n in imp.names))
    target = next(t for t in inside if t == prefix or t.startswith(prefix + "."))
    return f"{rel(imp.path)}:{imp.function or '<module>'} -> {target}"


def crossings(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, str]:
    """exception key -> file:line of each import into a forbidden module."""
    found: dict[str, str] = {}
    for imp in imports_in(*folders):
        for prefix in forbidden:
            if names_a(imp, prefix):
                found.setdefault(exception_key(imp, prefix), imp.where)
    return found


def all_crossings() -> dict[str, str]:
    found: dict[str, str] = {}
    for folders, forbidden in RULES.values():
        found |= crossings(folders, forbidden)
    return found


@pytest.mark.parametrize("rule", sorted(RULES))
def test_layer_does_not_import(rule: str) -> None:
    folders, forbidden = RULES[rule]
    assert all((ROOT / f).exists() for f in folders), f"{rule}: a folder is gone: {folders}"
    offenders = {key: where for key, where in crossings(folders, forbidden).items()
                 if key not in LAYER_EXCEPTIONS}
    assert offenders == {}, f"{rule}: " + ", ".join(f"{w} ({k})" for k, w in offenders.items())


def test_no_stale_layer_exception() -> None:
    assert sorted(LAYER_EXCEPTIONS - set(all_crossings())) == []


def test_the_engines_import_their_heavy_libraries_inside_functions_only() -> None:
    offenders = [imp.where for imp in imports_in(*ENGINE_FILES)
                 if imp.function is None and not imp.type_checking
                 and imp.root in HEAVY]
    assert offenders == []


def imported_roots(path: Path) -> set[str]:
    return {imp.root for imp in imports_of(path)}


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import textual.app\nfrom tui.core import config\n")
    assert imported_roots(sample) == {"textual", "tui"}


def test_the_checker_sees_type_checking_and_function_local_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from tui.app import TunedeckApp\n"
        "def run():\n    import textual\n"
        "class C:\n    async def go(self):\n        from tui import panes\n"
    )
    seen = {(i.target, i.function, i.type_checking, i.line) for i in imports_of(sample)}
    assert ("tui.app", None, True, 3) in seen
    assert ("textual", "run", False, 5) in seen
    assert ("tui", "go", False, 8) in seen
    assert names_a(next(i for i in imports_of(sample) if i.line == 8), "tui.panes")
