"""Every guided loop and where it stands: baseline, job, eval of the fine-tuned model, result.

Re-read from the store whenever a loop's driver reports (and once a second,
for the items of a running eval), so it shows the same after a restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.untrusted import visible
from tui.ui_text import lines, styled

if TYPE_CHECKING:
    from tui.host import Host

MARKS = {"done": ("✓", "green"), "active": ("▶", "yellow"), "todo": ("·", "dim"),
         "failed": ("✗", "red")}


class LoopsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    LoopsScreen { align: center middle; }
    LoopsScreen > #loops-box {
        width: 96%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    LoopsScreen #loops-body { height: 1fr; }
    LoopsScreen #loops-list { width: 38; height: 1fr; }
    LoopsScreen #loop-detail-scroll { width: 1fr; height: 1fr; padding: 0 1; }
    LoopsScreen #loops-keys { height: 1; color: $text-muted; }
    /* Below 100 columns the list goes above the detail: beside a 38-column list the
       detail had 35, and broke job and model ids in the middle of the id. */
    LoopsScreen #loops-body.-narrow { layout: vertical; }
    LoopsScreen #loops-body.-narrow #loops-list { width: 1fr; height: auto; max-height: 5; }
    LoopsScreen #loops-body.-narrow #loop-detail-scroll { padding: 0; }
    """
    BINDINGS: ClassVar = [
        # q quits here as everywhere else (it used to close the view); esc closes it.
        Binding("escape", "dismiss", "Close", id="loops.close"),
        Binding("q", "app.quit", "Quit", id="loops.quit"),
        Binding("n", "new_loop", "New loop", id="loops.new"),
        Binding("c", "compare", "Comparison", id="loops.compare"),
        Binding("k", "model_card", "Model card", id="loops.card"),
        Binding("x", "stop", "Stop", id="loops.stop"),
        Binding("r", "resume", "Resume", id="loops.resume"),
    ]

    def __init__(self, select: int | None = None) -> None:
        super().__init__()
        self.selected: int | None = select

    @property
    def tunedeck(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="loops-box"):
            yield Static("[b]Guided loops[/b]: baseline eval → fine-tune → eval again → compare")
            with Horizontal(id="loops-body"):
                yield OptionList(id="loops-list")
                with VerticalScroll(id="loop-detail-scroll"):
                    yield Static("", id="loop-detail")
            yield Static("n new loop · c comparison · k model card · x stop · r resume · "
                         "esc close", id="loops-keys")

    def on_mount(self) -> None:
        self.tunedeck.store_changes.subscribe(self, self.refresh_loops)
        self.refresh_loops()
        self.query_one("#loops-list", OptionList).focus()

    def on_resize(self) -> None:
        self.query_one("#loops-body").set_class(self.size.width < 100, "-narrow")

    def refresh_loops(self) -> None:
        store = self.tunedeck.store
        loops = store.loops.list()
        options = self.query_one("#loops-list", OptionList)
        # A loop's name is built from dataset and eval names: data, so a plain prompt.
        wanted = [(visible(f"#{loop.id} {loop.stage:<10} {loop.name}"), str(loop.id))
                  for loop in loops]
        current = [(str(o.prompt), o.id) for o in options.options]
        if wanted != current:
            highlighted = options.highlighted
            options.clear_options()
            options.add_options([Option(styled(prompt), id=key) for prompt, key in wanted])
            if self.selected is not None:
                index = next((i for i, (_, key) in enumerate(wanted)
                              if key == str(self.selected)), None)
                options.highlighted = index if index is not None else 0
            elif wanted:
                options.highlighted = highlighted if highlighted is not None else 0
        if self.selected is None and loops:
            self.selected = loops[0].id
        self.show_detail()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.selected = int(event.option.id)
            self.show_detail()

    def show_detail(self) -> None:
        from tui.core.loop import stage_lines

        detail = self.query_one("#loop-detail", Static)
        if self.selected is None:
            detail.update(styled("No loop yet. Press ", ("n", "b"), " to start one: it measures "
                                 "the base model on an eval, fine-tunes it on a dataset, "
                                 "measures the result on the same eval and compares the two "
                                 "runs."))
            return
        store = self.tunedeck.store
        loop = store.loops.get(self.selected)
        running = self.tunedeck.loops.is_running(loop.id)
        state = loop.stage + (" (running)" if running else
                              " (stopped: r resumes)" if loop.stage not in
                              ("done", "failed", "cancelled") else "")
        # Names, models, checkpoints and errors are data: parts, never markup.
        rows: list = [styled((f"#{loop.id} {loop.name}", "b")),
                      styled(f"profile {loop.profile} · base model {loop.base_model} · {state}"),
                      ""]
        for mark, title, text in stage_lines(store, loop):
            rows.append(styled(MARKS[mark], " ", (title, "b")))
            rows.append(styled(f"    {text}"))
        if loop.checkpoint_runs:
            rows.append("")
            rows.append(styled(("Checkpoints", "b")))
            for name, run_id in loop.checkpoint_runs.items():
                run = store.evals.run(run_id)
                counts = run.result_counts or {}
                rate = ""
                if run.status == "completed" and (counts.get("passed", 0) + counts.get("failed", 0)):
                    rate = f" {100 * counts['passed'] / (counts['passed'] + counts['failed']):.1f}%"
                rows.append(styled(f"    {name}: run {run_id} {run.status}{rate}"))
        if loop.error:
            rows += ["", styled((loop.error, "red"))]
        detail.update(lines(rows))

    # -- actions ---------------------------------------------------------------
    def _loop(self):  # noqa: ANN202
        return None if self.selected is None else self.tunedeck.store.loops.get(self.selected)

    def action_new_loop(self) -> None:
        self.tunedeck.action_new_loop()

    def action_compare(self) -> None:
        loop = self._loop()
        if loop is None or loop.baseline_run_id is None or loop.tuned_run_id is None:
            self.notify("The comparison is ready once both eval runs have finished",
                        severity="warning")
            return
        self.tunedeck.open_comparison(loop.baseline_run_id, loop.tuned_run_id)

    def action_model_card(self) -> None:
        loop = self._loop()
        if loop is None:
            return
        model = loop.base_model
        if loop.job_id is not None:
            model = self.tunedeck.store.jobs.get(loop.job_id).fine_tuned_model or model
        self.tunedeck.show_model_card(model)

    def action_stop(self) -> None:
        loop = self._loop()
        if loop is not None and self.tunedeck.loops.is_running(loop.id):
            self.tunedeck.loops.stop(loop.id)
            self.notify(f"Loop #{loop.id} stops at the next safe point; r resumes it")

    def action_resume(self) -> None:
        loop = self._loop()
        if loop is None or loop.stage in ("done", "failed", "cancelled"):
            return
        self.tunedeck.loops.start(loop.id)
        self.refresh_loops()
