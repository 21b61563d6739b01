"""Edit an eval's testing criteria (OpenAI's grader JSON), checked as it is typed.

ctrl+t tries the criteria in the editor on one item (the selected result, or
the eval's first item) in a worker: model graders, and sampling an item that
has no sample yet, go to the provider without blocking the editor. ctrl+s
returns the criteria to save; it refuses while they have problems.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tui.core.evals.grader_edit import Trial, check_text
from tui.core.wording import count_of
from tui.ui_text import lines, plain, styled
from tui.widgets.visible_fields import VisibleTextArea
from tui.worker_errors import ReportsWorkerErrors


@dataclass
class TrialItem:
    """The item a try grades: where it comes from, and its sample when it has one."""

    label: str
    item: dict[str, Any]
    sample: dict[str, Any] | None


TryCall = Callable[[list[dict[str, Any]], TrialItem], Awaitable[Trial]]


def describe_trial(trial: Trial, label: str) -> Content:
    """A try's outcome; the item, the answer and the graders' names are data (parts)."""
    rows = [styled((f"Tried on {label}", "b"),
                   " (sampled now: it had no sample)" if trial.sampled else None)]
    output = str(trial.sample.get("output_text", ""))
    rows.append(styled("  ", ("output", "dim"), " ", output[:200]))
    for g in trial.results:
        mark = (("error", "yellow") if g.error else ("pass", "green") if g.passed
                else ("fail", "red"))
        rows.append(styled(f"  {g.name} ({g.type}): ", mark, f" · score {g.score:.3f}"))
        why = g.error or g.reasoning
        if why:
            rows.append(styled("    ", (str(why)[:300], "dim")))
    return lines(rows)


class GraderEditorScreen(ReportsWorkerErrors, ModalScreen[list[dict[str, Any]] | None]):
    DEFAULT_CSS = """
    GraderEditorScreen { align: center middle; }
    GraderEditorScreen > Vertical { width: 90%; height: 90%; border: round $accent;
                                    background: $surface; padding: 0 1; }
    GraderEditorScreen #grader-editor-text { height: 1fr; }
    GraderEditorScreen #grader-editor-check { height: auto; max-height: 6; }
    GraderEditorScreen #grader-editor-trial-box { height: auto; max-height: 10; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "Save", id="grader_editor.save"),
        Binding("ctrl+t", "try", "Try on item", id="grader_editor.try"),
        Binding("escape", "cancel", "Cancel", id="grader_editor.cancel", priority=True),
    ]

    def __init__(self, eval_name: str, criteria: list[dict[str, Any]],
                 trial_item: TrialItem | None = None, try_call: TryCall | None = None) -> None:
        super().__init__()
        self.eval_name = eval_name
        self.initial = json.dumps(criteria, indent=2, ensure_ascii=False)
        self.trial_item = trial_item
        self.try_call = try_call
        self.criteria: list[dict[str, Any]] | None = None
        self.problems: list[Any] = []
        self.trial: Trial | None = None

    def compose(self) -> ComposeResult:
        on_item = self.trial_item.label if self.trial_item else "no item yet"
        with Vertical():
            yield Static(styled((f"Graders of {self.eval_name}", "b"),
                                " · testing_criteria in OpenAI's grader JSON · ctrl+s save · "
                                f"ctrl+t try on {on_item} · esc cancel"),
                         id="grader-editor-title")
            yield VisibleTextArea(self.initial, id="grader-editor-text", language=None,
                                  show_line_numbers=True, tab_behavior="indent")
            yield Static("", id="grader-editor-check")
            with VerticalScroll(id="grader-editor-trial-box"):
                yield Static("", id="grader-editor-trial")

    def on_mount(self) -> None:
        self.check(self.initial)
        self.query_one("#grader-editor-text", TextArea).focus()

    @on(TextArea.Changed, "#grader-editor-text")
    def _changed(self, event: TextArea.Changed) -> None:
        self.check(event.text_area.text)

    def check(self, text: str) -> None:
        self.criteria, self.problems = check_text(text)
        box = self.query_one("#grader-editor-check", Static)
        if not self.problems and self.criteria is not None:
            names = ", ".join(str(c.get("name")) for c in self.criteria)
            box.update(styled((f"✓ {count_of(len(self.criteria), 'grader')} ok:", "green"), " ", names))
            return
        # Problems quote what was typed (paths, values): parts, not markup.
        shown: list[Content | str] = [styled(("✗", "red"), " ", (str(p.path), "b"), ": ",
                                             str(p.message)) for p in self.problems[:5]]
        if len(self.problems) > 5:
            shown.append(f"  … and {len(self.problems) - 5} more")
        box.update(lines(shown))

    def action_save(self) -> None:
        if self.problems or self.criteria is None:
            self.notify("Fix the problems shown first", title="Graders", severity="error")
            return
        self.dismiss(self.criteria)

    def action_cancel(self) -> None:
        from tui.screens.version_choice import ConfirmChange

        if self.query_one("#grader-editor-text", TextArea).text == self.initial:
            self.dismiss(None)
            return
        # Edits are the user's work: esc asks before throwing them away.
        self.app.push_screen(ConfirmChange(styled(
            ("Discard your edits to the graders?", "b"),
            "\ny discards them; n keeps editing (ctrl+s saves).")),
            lambda yes: self.dismiss(None) if yes else None)

    def action_try(self) -> None:
        trial = self.query_one("#grader-editor-trial", Static)
        if self.problems or self.criteria is None:
            trial.update(plain("Fix the problems above before trying the graders.", "red"))
            return
        if self.trial_item is None or self.try_call is None:
            trial.update(plain("No item to try on: the eval has no items yet.", "yellow"))
            return
        trial.update(plain(f"Trying on {self.trial_item.label}…"))
        self.run_try(self.criteria, self.trial_item)

    @work(exclusive=True, group="grader-try", exit_on_error=False, name="try graders")
    async def run_try(self, criteria: list[dict[str, Any]], item: TrialItem) -> None:
        box = self.query_one("#grader-editor-trial", Static)
        assert self.try_call is not None
        try:
            self.trial = await self.try_call(criteria, item)
        except Exception as exc:  # noqa: BLE001 - shown in the editor, the editor stays
            from tui.core.errors import describe_failure

            text = describe_failure(exc)
            box.update(styled(("Could not try the graders:", "red"), " ", text))
            return
        box.update(describe_trial(self.trial, item.label))
