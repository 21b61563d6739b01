"""Playground: compose a prompt, stream it against one to four models, keep every run.

Runs stream in async workers (one per output slot); each writes its run row
to the store when it starts and when it ends, and the pane redraws from what
the workers report. An output becomes data with one key: ctrl+t an SFT
example, ctrl+b (compare) a DPO pair, ctrl+g an eval item.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from tui.core import templates
from tui.core.playground.compose_fields import (
    parse_models,
    parse_params,
    parse_variables,
    prompt_messages,
)
from tui.core.playground.runner import RunParams
from tui.core.playground.status_line import shutdown_parts, status_parts
from tui.core.wording import count_of
from tui.panes.base import EmptyState, Pane
from tui.panes.playground_examples import DatasetExamples
from tui.panes.playground_keep import KeepOutputs
from tui.ui_text import lines, styled
from tui.widgets.output_panel import OutputPanel
from tui.widgets.visible_fields import VisibleInput, VisibleTextArea

DEFAULT_MODEL = "gpt-4o-mini"


class PlaygroundPane(DatasetExamples, KeepOutputs, Pane):
    # Pane-local styles: parsed when the pane first mounts, not before the first frame.
    DEFAULT_CSS = """
    #pg-main { height: 1fr; }
    #pg-compose { width: 52; height: 1fr; padding: 0 1 0 0; }
    #pg-outputs { width: 1fr; height: 1fr; }
    .pg-row { height: auto; }
    #pg-models { width: 1fr; }
    #pg-api { width: 16; }
    #pg-compose Input {
        border: none;
        height: 1;
        background: $boost;
        margin-bottom: 1;
        padding: 0 1;
    }
    #pg-compose Input:focus { background: $accent 30%; }
    #pg-compose Select { width: 16; }
    #pg-compose Select > SelectCurrent { border: none; height: 1; padding: 0 1; background: $boost; }
    #pg-compose TextArea { border: none; background: $boost; }
    #pg-compose TextArea:focus { background: $accent 15%; }
    .pg-param { margin-right: 1; }
    .pg-label { color: $text-muted; }
    #pg-system { height: 5; }
    #pg-user { height: 1fr; min-height: 4; }
    #pg-turns { height: auto; max-height: 6; color: $text-muted; }
    /* Each as wide as its placeholder (its only label) plus padding: at a shared 8
       "max out" read "max ou", and at 80 columns the effort menu read "eff". */
    #pg-temperature, #pg-seed { width: 6; }
    #pg-top-p { width: 7; }
    #pg-max-tokens { width: 9; }
    #pg-compose #pg-effort { width: 1fr; }
    #pg-status { height: auto; color: $text-muted; }
    """
    pane_id = "playground"
    pane_title = "Playground"
    empty_text = ""
    BINDINGS: ClassVar = [
        Binding("ctrl+r", "run", "Run", id="playground.run"),
        Binding("escape", "stop", "Stop", id="playground.stop"),
        Binding("ctrl+n", "continue_conversation", "Next turn", id="playground.next_turn"),
        Binding("ctrl+s", "save_prompt", "Save prompt", id="playground.save"),
        Binding("ctrl+t", "save_sft", "→ SFT example", id="playground.to_sft"),
        Binding("ctrl+b", "mark_better", "Better → DPO", id="playground.to_dpo"),
        Binding("ctrl+g", "save_eval_item", "→ eval item", id="playground.to_eval"),
        Binding("ctrl+o", "history", "History", id="playground.history"),
        Binding("f12", "clear_conversation", "New conversation", id="playground.clear"),
        Binding("ctrl+l", "refresh_models", "Refresh models", id="playground.models"),
        Binding("ctrl+f", "fill_from_dataset", "Fill from example", id="playground.fill"),
        Binding("f6", "few_shot", "Few-shot from dataset", id="playground.few_shot"),
        # f11, not f7: f7 selects all in every text field (Textual's TextArea key), and
        # focus is nearly always in one here, so f7 did one thing or the other.
        Binding("f11", "model_card", "Model card", id="playground.card"),
        Binding("f10", "optimize", "Optimize prompt", id="playground.optimize"),
    ]

    class RunDelta(Message):
        """A piece of streamed text for one output slot."""

        def __init__(self, slot: int, text: str) -> None:
            super().__init__()
            self.slot = slot
            self.text = text

    class RunFinished(Message):
        def __init__(self, slot: int, run_id: int) -> None:
            super().__init__()
            self.slot = slot
            self.run_id = run_id

    class ModelsFetched(Message):
        pass

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prompt_name = "untitled"
        self.turns: list[dict[str, Any]] = []  # earlier user/assistant turns
        self.last_messages: list[dict[str, Any]] = []
        self._models_requested = False
        self._tokens: int | None = None

    # -- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="pg-main"):
            with Vertical(id="pg-compose"):
                with Horizontal(classes="pg-row"):
                    # Fields filled from history and datasets: controls drawn visible.
                    yield VisibleInput(
                        placeholder="model — or up to 4, comma-separated, to compare",
                        id="pg-models",
                    )
                    yield Select(
                        [("Chat API", "chat"), ("Responses", "responses")],
                        value="chat",
                        allow_blank=False,
                        id="pg-api",
                    )
                yield Label("System / developer instructions", classes="pg-label")
                yield VisibleTextArea(id="pg-system", soft_wrap=True)
                yield Static("", id="pg-turns")
                yield Label("User message ({{name}} makes a variable)", classes="pg-label")
                yield VisibleTextArea(id="pg-user", soft_wrap=True)
                yield VisibleInput(placeholder="variables: name=value; other=value", id="pg-vars")
                with Horizontal(classes="pg-row"):
                    yield Input(placeholder="temp", id="pg-temperature", classes="pg-param")
                    yield Input(placeholder="top_p", id="pg-top-p", classes="pg-param")
                    yield Input(placeholder="max out", id="pg-max-tokens", classes="pg-param")
                    yield Input(placeholder="seed", id="pg-seed", classes="pg-param")
                    yield Select(
                        [(e, e) for e in ("minimal", "low", "medium", "high")],
                        prompt="effort",
                        id="pg-effort",
                    )
                yield VisibleInput(
                    placeholder='JSON schema for the answer, e.g. {"type":"object",…}',
                    id="pg-schema",
                )
                yield Static("", id="pg-status")
            with Horizontal(id="pg-outputs"):
                yield EmptyState(
                    "[b]Playground[/b]: write a prompt on the left, type a model name above it, "
                    "and press [b]ctrl+r[/b]. Several models separated by commas run side by "
                    "side. Every run is kept (ctrl+o); any answer becomes training data "
                    "(ctrl+t), a DPO pair (ctrl+b) or an eval item (ctrl+g).",
                    id="pg-hint",
                    classes="empty-state",
                )

    def on_mount(self) -> None:
        self.query_one("#pg-models", Input).value = self._default_model()

    def on_resize(self) -> None:
        self._arrange_outputs()

    def _arrange_outputs(self) -> None:
        """At 80 columns: a narrower form, and compared answers stacked, not side by side,
        so each panel's model name is readable (side by side both read `sandbox…`)."""
        if not self.size.width:  # not before the first layout
            return
        # 44 at 80 columns: the sampling row (temp … effort) needs 43 to show every label.
        compose = 52 if self.size.width >= 100 else 44
        self.query_one("#pg-compose").styles.width = compose
        count = max(1, len(self._panels()))
        narrow = (self.size.width - compose) // count < 30
        self.query_one("#pg-outputs").styles.layout = "vertical" if narrow else "horizontal"

    def focus_target(self) -> Widget | None:
        # Every field here takes text: the pane itself, so its keys (ctrl+r …) work and
        # digits still switch panes. Tab enters the form.
        return None

    def _default_model(self) -> str:
        profile = self.tunedeck.profile
        if profile.kind == "sandbox":
            return "sandbox-small"
        if profile.kind in ("local", "compatible") and self.tunedeck.store_ready.is_set():
            # No catalogue to guess from: the first model the server listed, if any.
            served = self.tunedeck.store.models.list(profile.name)
            return served[0].model_id if served else ""
        return DEFAULT_MODEL

    def reload(self) -> None:
        models = [m.model_id for m in self.tunedeck.store.models.list(self.tunedeck.profile.name)]
        self.query_one("#pg-models", Input).suggester = SuggestFromList(
            models, case_sensitive=False
        )
        if not models and self.tunedeck.profile.key_is_set and not self._models_requested:
            self._models_requested = True
            self.action_refresh_models()
        self._update_status()

    # -- composing -----------------------------------------------------------
    def models(self) -> list[str]:
        return parse_models(self.query_one("#pg-models", Input).value)

    def use_models(self, models: list[str]) -> None:
        """Compare these models next (the App's route for a TryModelInPlayground request)."""
        self.query_one("#pg-models", Input).value = ", ".join(models)

    def variables(self) -> dict[str, str]:
        return parse_variables(self.query_one("#pg-vars", Input).value)

    def template_messages(self) -> list[dict[str, Any]]:
        """The prompt as saved: variables still as {{name}}."""
        return prompt_messages(self.query_one("#pg-system", TextArea).text, self.turns,
                               self.query_one("#pg-user", TextArea).text)

    def filled_messages(self) -> list[dict[str, Any]]:
        return templates.fill_messages(self.template_messages(), self.variables())

    def params(self) -> RunParams:
        effort = self.query_one("#pg-effort", Select).value
        return parse_params(**{field: self.query_one(f"#pg-{field.replace('_', '-')}",
                                                     Input).value
                               for field in ("temperature", "top_p", "max_tokens", "seed")},
                            effort=effort if isinstance(effort, str) else None,
                            schema=self.query_one("#pg-schema", Input).value)

    @on(TextArea.Changed)
    @on(Input.Changed, "#pg-vars")
    @on(Input.Changed, "#pg-models")
    def _update_status(self) -> None:
        names = templates.message_variables(self.template_messages())
        missing = [n for n in names if n not in self.variables()]
        models = self.models()
        parts = status_parts(self.prompt_name, self._tokens, names, missing)
        if self.tunedeck.store_ready.is_set():
            parts += shutdown_parts(self.tunedeck.store, self.tunedeck.profile.name, models)
        self.query_one("#pg-status", Static).update(styled(*parts))
        self.count_tokens(self.filled_messages(), models[0] if models else DEFAULT_MODEL)

    class TokensCounted(Message):
        def __init__(self, tokens: int | None) -> None:
            super().__init__()
            self.tokens = tokens

    @work(thread=True, exclusive=True, group="playground-tokens", exit_on_error=False)
    def count_tokens(self, messages: list[dict[str, Any]], model: str) -> None:
        # The same counter as the datasets pane; in a thread because the first
        # call loads the tokenizer's ranks.
        from tui.core.datasets.counting import count_messages
        from tui.core.datasets.tokens import count_function, encoding_name_for_model

        tokens, _ = count_messages(messages, count_function(encoding_name_for_model(model)))
        self.post_message(self.TokensCounted(tokens))

    def on_playground_pane_tokens_counted(self, message: TokensCounted) -> None:
        if message.tokens != self._tokens:
            self._tokens = message.tokens
            self._update_status()

    def action_model_card(self) -> None:
        """The card of the last model listed (with `base, ft:…` that is the fine-tuned one)."""
        models = self.models()
        self.tunedeck.show_model_card(models[-1] if models else None)

    def action_optimize(self) -> None:
        from tui.optimize_flow import start_optimize  # GEPA on an eval, from the saved prompt

        saved = self.tunedeck.store.prompts.versions(self.prompt_name)
        start_optimize(self.tunedeck, version_id=saved[0].id if saved else None)

    # -- running -------------------------------------------------------------
    def _panels(self) -> list[OutputPanel]:
        return list(self.query(OutputPanel))

    async def action_run(self) -> None:
        models = self.models()
        if not models:
            self.notify("Type a model name first (top left)", severity="warning")
            return
        messages = self.template_messages()
        if not any(m["role"] == "user" for m in messages):
            self.notify("Write a user message first", severity="warning")
            return
        try:
            params = self.params()
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        missing = [n for n in templates.message_variables(messages) if n not in self.variables()]
        if missing:
            self.notify(
                f"Fill the variables first: {', '.join(missing)} (name=value; …)",
                severity="warning",
            )
            return
        store = self.tunedeck.store
        api = str(self.query_one("#pg-api", Select).value)
        version = store.prompts.save(
            self.prompt_name, messages, params=params.as_dict(), model=models[0]
        )
        filled = self.filled_messages()
        self.last_messages = filled
        outputs = self.query_one("#pg-outputs", Horizontal)
        await self.query(OutputPanel).remove()
        self.query_one("#pg-hint").display = False
        group = f"cmp-{version.id}-{len(store.prompts.runs(limit=1))}" if len(models) > 1 else None
        # Mount every panel before starting any stream: awaiting a mount between
        # starts let the first model finish before the second had begun.
        panels = [OutputPanel(slot, model) for slot, model in enumerate(models)]
        await outputs.mount_all(panels)
        self._arrange_outputs()
        for slot, (model, panel) in enumerate(zip(models, panels, strict=True)):
            run_id = self.tunedeck.workbench.start_playground_run(
                model=model, messages=filled, api=api, params=params,
                prompt_version_id=version.id, compare_group=group, variables=self.variables())
            panel.start(run_id)
            self.stream(slot, run_id, model, filled, params, api)

    @work(exclusive=False, group="playground-run", exit_on_error=False)
    async def stream(
        self,
        slot: int,
        run_id: int,
        model: str,
        messages: list[dict[str, Any]],
        params: RunParams,
        api: str,
    ) -> None:
        # The one record-a-run sequence, shared with `tunedeck run` (core/playground/record.py).
        try:
            await self.tunedeck.workbench.record_playground_run(
                run_id, model=model, messages=messages, params=params, api=api,
                on_delta=lambda text: self.post_message(self.RunDelta(slot, text)),
                shown=lambda: next((p.text for p in self._panels() if p.run_id == run_id), ""))
        finally:
            self.post_message(self.RunFinished(slot, run_id))

    def on_playground_pane_run_delta(self, message: RunDelta) -> None:
        for panel in self._panels():
            if panel.slot == message.slot:
                panel.append(message.text)

    def on_playground_pane_run_finished(self, message: RunFinished) -> None:
        run = self.tunedeck.store.prompts.run(message.run_id)
        for panel in self._panels():
            if panel.run_id == run.id:
                panel.show_run(run)

    def action_stop(self) -> None:
        cancelled = [w for w in self.workers if w.group == "playground-run" and w.is_running]
        for worker in cancelled:
            worker.cancel()
        if cancelled:
            self.notify(f"Stopped {count_of(len(cancelled), 'run')}; partial output kept")

    def action_continue_conversation(self) -> None:
        done = [p for p in self._panels() if p.text]
        if not done:
            self.notify("Run first: the answer becomes the assistant turn", severity="warning")
            return
        user = self.query_one("#pg-user", TextArea)
        self.turns.append({"role": "user", "content": user.text.strip()})
        self.turns.append({"role": "assistant", "content": done[0].text})
        user.text = ""
        self._show_turns()
        user.focus()

    def _show_turns(self) -> None:
        # Turns are a dataset's or a model's text: parts, never markup.
        self.query_one("#pg-turns", Static).update(lines(
            styled((str(t["role"]), "b"), ": ", str(t["content"])[:80]) for t in self.turns[-6:]))

    # -- models --------------------------------------------------------------
    @work(exclusive=True, group="playground-models", exit_on_error=False)
    async def action_refresh_models(self) -> None:
        from tui.core.providers import make_client
        from tui.core.served_models import served_models

        profile = self.tunedeck.profile
        async with make_client(profile) as client:
            models = await served_models(client)
        self.tunedeck.store.models.replace(profile.name, models)
        self.post_message(self.ModelsFetched())

    def on_playground_pane_models_fetched(self) -> None:
        count = len(self.tunedeck.store.models.list(self.tunedeck.profile.name))
        self.notify(f"{count} models available on {self.tunedeck.profile.name}")
        self.reload()
