"""Prompt optimizations as they run: candidates, validation scores, the best so far, the
calls and dollars spent against the budget, and the best prompt's diff against the seed.

Re-read from the store once a second, so it shows an optimization run by
`tunedeck prompt optimize` in another terminal, and the same after a restart.
`x` asks a running search to stop after its current iteration (the best so far
is still saved and proved on the held-out items).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.untrusted import visible
from tui.ui_text import lines, styled

if TYPE_CHECKING:
    from textual.content import Content


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def detail_rows(data: dict, diff: list[str], resume: str = "") -> list[Content | str]:
    """The detail of one optimization (a summary from tui.core.optimize.optimize_report);
    `resume` says what continues an unfinished one (ownership.resume_hint).
    Prompts, names and errors are data: parts, never markup."""
    budget, seed, best = data["budget"], data["seed"], data["best"]
    state = data["status"] + (f" ({data['stop_reason']})" if data["stop_reason"] else "")
    if resume:
        state += f" · {resume}"
    dollars = f"${budget['spent_usd']:.4f}" + (
        f" of ${budget['max_usd']:.4f}" if budget["max_usd"] is not None else " (no cap)")
    rows: list[Content | str] = [
        styled((f"#{data['id']} {seed.get('ref', '?')} on eval {data['eval']}", "b")),
        styled(f"{data['model']} on {data['profile']} · reflection {data['reflection_model']}"
               f" on {data['reflection_profile']} · {state}"),
        styled(f"items: {data['split']['train']} train, {data['split']['val']} validation, "
               f"{data['split']['test']} held-out (seed {data['split_seed']})"),
        styled(("calls ", "b"), f"{budget['metric_calls']}/{budget['max_metric_calls']} metric, "
               f"{budget['reflection_calls']} reflection · ", ("dollars ", "b"), dollars),
        "", styled(("Candidates", "b"), " (validation score)")]
    best_idx = best.get("candidate_idx")
    for c in data["candidates"]:
        mark = ("★ ", "green") if c["idx"] == best_idx else "  "
        parents = f" from {', '.join(map(str, c['parents']))}" if c["parents"] else " seed"
        rows.append(styled(mark, f"{c['idx']:>3}  {_pct(c['val_score']):>6}{parents}"))
    rows += front_rows(data["candidates"], best_idx)
    held = data["held_out"]
    if held:
        rows += ["", styled(("Held-out", "b"), f" seed {_pct(held['seed_pass_rate'])} → best "
                            f"{_pct(held['best_pass_rate'])} · {len(held['fail_to_pass'])} "
                            f"fail→pass, {len(held['pass_to_fail'])} pass→fail · McNemar p = "
                            f"{held['mcnemar_p']:.4g}")]
    if best.get("ref"):
        rows.append(styled(f"saved as {best['ref']}"))
    if diff:
        rows += ["", styled(("Best vs seed", "b"))]
        for line in diff:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            rows.append(styled((line, style) if style else line))
    if data["error"]:
        rows += ["", styled((data["error"], "red"))]
    return rows


def front_rows(candidates: list[dict], best_idx: int | None) -> list[Content | str]:
    """The Pareto front over validation items as a grid: a row per candidate (at most 12,
    the front first), a column per validation item; ● best on that item, ○ scored
    something there, · nothing."""
    from tui.core.optimize.pareto import front

    found = front(candidates)
    if not found.items:
        return []
    shown = sorted(found.wins, key=lambda idx: (not found.wins[idx], idx))[:12]
    items = found.items[:36]
    rows: list[Content | str] = [
        "", styled(("Pareto front over validation items", "b"), " · on it: ",
                   ", ".join(f"#{idx}" for idx in found.on_front()) or "none yet",
                   " (● best on that item, ○ scored, · failed)"),
        styled(("  cand  ", "dim"), ("".join(f"{n + 1:>3}" for n in range(len(items))), "dim"))]
    scores = {c["idx"]: c["val_scores"] for c in candidates}
    for idx in sorted(shown):
        cells = []
        for item in items:
            if item in found.wins[idx]:
                cells.append(("  ●", "green"))
            elif scores[idx].get(item, 0.0) > 0:
                cells.append(("  ○", "yellow"))
            else:
                cells.append(("  ·", "dim"))
        mark = "★" if idx == best_idx else " "
        rows.append(styled(f"  {mark}{idx:>3} ", *cells, f"  {len(found.wins[idx])} won"))
    return rows


class OptimizationsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    OptimizationsScreen { align: center middle; }
    OptimizationsScreen > #opt-box {
        width: 96%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    OptimizationsScreen #opt-body { height: 1fr; }
    OptimizationsScreen #opt-list { width: 40; height: 1fr; }
    OptimizationsScreen #opt-detail-scroll { width: 1fr; height: 1fr; padding: 0 1; }
    OptimizationsScreen #opt-keys { height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar = [
        # q quits here as everywhere else (as in the loops view); esc closes the view.
        Binding("escape", "dismiss", "Close", id="optimizations.close"),
        Binding("q", "app.quit", "Quit", id="optimizations.quit"),
        Binding("x", "stop", "Stop the search", id="optimizations.stop"),
        Binding("r", "resume", "Resume a paused one here", id="optimizations.resume"),
        Binding("c", "compare", "Held-out comparison", id="optimizations.compare"),
        Binding("v", "best_version", "Best prompt version", id="optimizations.best"),
    ]

    def __init__(self, select: int | None = None) -> None:
        super().__init__()
        self.selected: int | None = select

    @property
    def tunedeck(self) -> Any:
        # The app, seen only through its store (importing tui.app here would be a cycle:
        # the command palette, which tui.app imports, opens this screen).
        return self.app

    def compose(self) -> ComposeResult:
        with Vertical(id="opt-box"):
            yield Static("[b]Prompt optimizations[/b]: GEPA on an eval's feedback, "
                         "proved on held-out items")
            with Horizontal(id="opt-body"):
                yield OptionList(id="opt-list")
                with VerticalScroll(id="opt-detail-scroll"):
                    yield Static("", id="opt-detail")
            yield Static("x stop the search (best kept) · r resume a paused one · "
                         "c held-out comparison · v best version · esc close", id="opt-keys")

    def on_mount(self) -> None:
        # A search runs in `tunedeck prompt optimize` (another process): its commits
        # reach this view through store_changed's data_version timer.
        self.tunedeck.store_changes.subscribe(self, self.refresh_view)
        self.refresh_view()
        self.query_one("#opt-list", OptionList).focus()

    def refresh_view(self) -> None:
        from tui.core.optimize.optimize_report import summary

        store = self.tunedeck.store
        rows = [summary(store, o.id) for o in store.optimizations.list()]
        options = self.query_one("#opt-list", OptionList)
        wanted = [(visible(f"#{r['id']} {r['status']:<9} {r['seed'].get('ref', '?')} · "
                           f"best {_pct(r['best'].get('val_score'))}"), str(r["id"]))
                  for r in rows]
        if wanted != [(str(o.prompt), o.id) for o in options.options]:
            highlighted = options.highlighted
            options.clear_options()
            options.add_options([Option(styled(prompt), id=key) for prompt, key in wanted])
            if wanted:
                keys = [key for _, key in wanted]
                options.highlighted = (keys.index(str(self.selected)) if str(self.selected)
                                       in keys else highlighted or 0)
        if self.selected is None and rows:
            self.selected = rows[0]["id"]
        self.show_detail()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.selected = int(event.option.id)
            self.show_detail()

    def show_detail(self) -> None:
        from tui.core.optimize.optimize_report import best_diff, summary

        detail = self.query_one("#opt-detail", Static)
        if self.selected is None:
            detail.update(styled(
                "No optimization yet. Start one with ", ("f10", "b"), " in the Playground (on a "
                "saved prompt) or ", ("O", "b"), " in Evals, or headless: ",
                ("tunedeck prompt optimize --prompt NAME --eval E --model M "
                 "--reflection-model R", "b"), " — it shows here while it runs."))
            return
        store = self.tunedeck.store
        detail.update(lines(detail_rows(summary(store, self.selected),
                                        best_diff(store, self.selected),
                                        self._resume_hint(self.selected))))

    def _running_here(self, opt_id: int) -> bool:
        from tui.core.optimize.ownership import worker_group

        return any(w.group == worker_group(opt_id) and not w.is_finished
                   for w in self.app.workers)

    def _resume_hint(self, opt_id: int) -> str:
        from tui.core.optimize.ownership import resume_hint

        opt = self.tunedeck.store.optimizations.get(opt_id)
        if opt.status not in ("searching", "proving"):
            return ""
        return resume_hint(opt.id, opt.run_dir, here_running=self._running_here(opt.id))

    def action_resume(self) -> None:
        """Go on with an optimization a TUI left paused, in this one."""
        from tui.core.optimize.ownership import orphaned

        if self.selected is None:
            return
        opt = self.tunedeck.store.optimizations.get(self.selected)
        if opt.status not in ("searching", "proving"):
            self.notify(f"Optimization #{opt.id} is {opt.status}: nothing to resume")
        elif self._running_here(opt.id):
            self.notify(f"Optimization #{opt.id} is already running in this TUI")
        elif not orphaned(opt.run_dir):
            self.notify(f"Optimization #{opt.id}: {self._resume_hint(opt.id)}",
                        severity="warning")
        elif self.tunedeck.resume_optimization(opt.id):
            self.show_detail()

    def action_stop(self) -> None:
        from tui.core.optimize.optimize_driver import request_stop

        if self.selected is None:
            return
        opt = self.tunedeck.store.optimizations.get(self.selected)
        if opt.status != "searching":
            self.notify(f"Optimization #{opt.id} is {opt.status}: its search is over")
            return
        request_stop(self.tunedeck.store, opt.id)
        self.notify(f"Optimization #{opt.id} stops after its current iteration; the best so "
                    "far is saved and proved on the held-out items")


    def action_compare(self) -> None:
        """Seed and best on the held-out items, paired (the claim of the optimization)."""
        if self.selected is None:
            return
        opt = self.tunedeck.store.optimizations.get(self.selected)
        if opt.seed_test_run_id is None or opt.best_test_run_id is None or \
                self.tunedeck.store.evals.run(opt.best_test_run_id).status != "completed":
            self.notify(f"Optimization #{opt.id} has no held-out proof yet ({opt.status})",
                        severity="warning")
            return
        if opt.seed_test_run_id == opt.best_test_run_id:
            self.notify("The seed stayed the best: nothing to compare", severity="warning")
            return
        self.tunedeck.open_comparison(opt.seed_test_run_id, opt.best_test_run_id)

    def action_best_version(self) -> None:
        from tui.core.optimize.optimize_report import summary
        from tui.screens.text_view import TextViewScreen

        if self.selected is None:
            return
        best = summary(self.tunedeck.store, self.selected)["best"]
        if not best.get("id"):
            self.notify("No version saved yet: the best is saved when the search ends",
                        severity="warning")
            return
        version = self.tunedeck.store.prompts.version(best["id"])
        rows: list[Content | str] = [styled((best["ref"], "b"), " · ", version.note or "")]
        for message in version.messages:
            rows += ["", styled((f"[{message.get('role', '?')}]", "b $accent")),
                     styled(str(message.get("content", "")))]
        self.app.push_screen(TextViewScreen(lines(rows)))


def open_optimizations(app: Any) -> None:
    """The command palette's entry point."""
    app.push_screen(OptimizationsScreen())
