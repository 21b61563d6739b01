"""One model's streamed answer with its status, usage, latency and cost.

The answer, the model's name and the provider's error are data: Text and
Content with their control characters made visible, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from store.records import PlaygroundRun
from tui.core.playground.runner import RunOutcome
from tui.core.untrusted import visible
from tui.ui_text import plain


def format_stats(outcome: RunOutcome, cost: float | None) -> str:
    parts = []
    if outcome.ttft_ms is not None:
        parts.append(f"TTFT {outcome.ttft_ms:.0f} ms")
    if outcome.latency_ms is not None:
        parts.append(f"total {outcome.latency_ms / 1000:.2f} s")
    if outcome.input_tokens is not None:
        cached = f" ({outcome.cached_tokens} cached)" if outcome.cached_tokens else ""
        parts.append(f"in {outcome.input_tokens}{cached}")
    if outcome.output_tokens is not None:
        reasoning = f" ({outcome.reasoning_tokens} reasoning)" if outcome.reasoning_tokens else ""
        parts.append(f"out {outcome.output_tokens}{reasoning}")
    if cost is not None:
        parts.append(f"≈ ${cost:.5f}")
    if outcome.finish_reason and outcome.finish_reason != "stop":
        parts.append(f"finish: {outcome.finish_reason}")
    return " · ".join(parts)


class OutputPanel(Vertical):
    DEFAULT_CSS = """
    OutputPanel {
        border: round $panel-lighten-2;
        height: 1fr;
        padding: 0 1;
    }
    OutputPanel.-running { border: round $accent; }
    OutputPanel.-error { border: round $error; }
    OutputPanel.-incomplete { border: round $warning; }
    OutputPanel.-stopped { border: round $secondary; }
    OutputPanel.-better { border: double $success; }
    OutputPanel > .output-stats { color: $text-muted; height: auto; }
    OutputPanel > VerticalScroll { height: 1fr; }
    """

    def __init__(self, slot: int, model: str) -> None:
        super().__init__(id=f"output-{slot}")
        self.slot = slot
        self.model = model
        self.text = ""
        self.run_id: int | None = None
        self.status = "idle"
        self.border_title = plain(model)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", classes="output-text", markup=False)
        yield Static("", classes="output-stats")

    def start(self, run_id: int) -> None:
        self.run_id = run_id
        self.status = "running"
        self.set_classes("-running")
        self.border_subtitle = "streaming… (esc stops)"

    def append(self, text: str) -> None:
        self.text += text
        self.query_one(".output-text", Static).update(plain(self.text))
        self.query_one(VerticalScroll).scroll_end(animate=False)

    def show_text(self, text: str) -> None:
        self.text = text
        self.query_one(".output-text", Static).update(plain(text))

    def finish(self, status: str, stats: str, error: str | None = None) -> None:
        self.status = status
        self.set_classes(f"-{status}")
        self.border_subtitle = plain({
            "completed": "done",
            "incomplete": "INCOMPLETE: the stream broke; what arrived is kept",
            "error": "failed",
            "stopped": "stopped by you; what arrived is kept",
        }.get(status, status))
        body = Text(visible(self.text))
        if error:
            if self.text:
                body.append("\n\n")
            body.append(visible(error), style="bold red")
            body.append("\nctrl+r retries.", style="dim")
        self.query_one(".output-text", Static).update(body)
        self.query_one(".output-stats", Static).update(plain(stats))

    def show_run(self, run: PlaygroundRun) -> None:
        """Show a finished run as the store holds it."""
        self.show_text(run.output_text)
        outcome = RunOutcome(
            output_text=run.output_text, input_tokens=run.input_tokens,
            cached_tokens=run.cached_tokens, output_tokens=run.output_tokens,
            reasoning_tokens=run.reasoning_tokens, ttft_ms=run.ttft_ms,
            latency_ms=run.latency_ms,
        )
        self.finish(run.status, format_stats(outcome, run.cost_usd), run.error)

    def mark_better(self, better: bool) -> None:
        self.set_class(better, "-better")
