"""Render the app's key states at 120x35 into screenshots/*.svg.

    .venv/bin/python screenshots/render.py [NAME ...]   (default: every picture)

Everything runs against a throwaway TUNEDECK_HOME and an in-process sandbox
server on loopback, with API-key variables scrubbed, so nothing of the
user's (and no secret) can appear in a picture. Re-run whenever a pane changes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (120, 35)
SANDBOX_KEY_ENV = "TUNEDECK_SANDBOX_API_KEY"

for name in list(os.environ):
    if name.endswith(("_API_KEY", "_KEY")) or name.startswith(("OPENAI_", "AZURE_OPENAI")):
        del os.environ[name]
WORK = Path(tempfile.mkdtemp(prefix="tunedeck-shots-"))
os.environ["TUNEDECK_HOME"] = str(WORK / "home")
os.environ.pop("TUNEDECK_CONFIG", None)
sys.path.insert(0, str(HERE.parent))

from textual.pilot import Pilot  # noqa: E402

from tui.app import TunedeckApp  # noqa: E402
from tui.core.config import Profile, load_settings  # noqa: E402
from tui.core.paths import default_db_path  # noqa: E402

Setup = Callable[[Pilot], Awaitable[None]]

QUESTIONS = [
    ("What is the capital of France?", "Paris."),
    ("What is 12 times 12?", "144."),
    ("Which planet is the largest?", "Jupiter."),
    ("What colour is a clear daytime sky?", "Blue."),
    ("Who wrote 'Pride and Prejudice'?", "Jane Austen."),
    ("What is the boiling point of water at sea level in Celsius?", "100 °C."),
]


def demo_dataset() -> Path:
    """A small support-style SFT file with a few typical mistakes."""
    rng = random.Random(4)
    lines = []
    for i in range(240):
        question, answer = QUESTIONS[i % len(QUESTIONS)]
        messages = [{"role": "system", "content": "Answer in one short sentence."},
                    {"role": "user", "content": f"{question} (ticket {1000 + i})"},
                    {"role": "assistant", "content": answer * rng.randint(1, 3)}]
        lines.append(json.dumps({"messages": messages}))
    lines[17] = '{"messages": [{"role": "user", "content": "unfinished'
    lines[42] = json.dumps({"messages": [{"role": "bot", "content": "hi"},
                                         {"role": "assistant", "content": "hello"}]})
    lines[77] = json.dumps({"messages": [{"role": "user", "content": "no answer here"}]})
    lines[90] = json.dumps({"messages": [{"role": "user", "content": "x"},
                                         {"role": "assistant", "content": "y", "weight": 2}]})
    path = WORK / "support.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


async def wait_workers(pane, group: str) -> None:
    workers = [w for w in pane.workers if w.group == group]
    if workers:
        await pane.workers.wait_for_complete(workers)


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)


async def with_dataset(pilot: Pilot) -> None:
    pane = pilot.app.pane("datasets")
    pane.run_import(str(demo_dataset()), "support", "gpt-4o-mini")
    await wait_workers(pane, "dataset-import")


async def dataset_errors(pilot: Pilot) -> None:
    await with_dataset(pilot)
    await settle(pilot)
    await pilot.press("f")


async def dataset_transcript(pilot: Pilot) -> None:
    await with_dataset(pilot)
    await settle(pilot)
    await pilot.press("enter")


async def playground_compare(pilot: Pilot) -> None:
    from textual.widgets import Input, TextArea

    await pilot.press("2")
    await settle(pilot)
    pane = pilot.app.pane("playground")
    pane.query_one("#pg-models", Input).value = "sandbox-small, sandbox-large"
    pane.query_one("#pg-system", TextArea).text = "You are a concise support agent."
    pane.query_one("#pg-user", TextArea).text = "Where is my order {{order_id}}? It was due Monday."
    pane.query_one("#pg-vars", Input).value = "order_id=A-1042"
    await pilot.app.run_pane_action("playground", "run")
    await wait_workers(pane, "playground-run")


async def launch_qa_job(app, name: str, repeats: int, epochs: int):
    """Store the Q&A pairs as a dataset and launch a sandbox job on them (pre-flight core)."""
    from openai import AsyncOpenAI

    from tui.core.dataset_versions import write_version
    from tui.core.finetune import provider_for
    from tui.core.jobs.actions import launch
    from tui.core.jobs.preflight import run_preflight
    from tui.core.jobs.spec import JobSpec

    lines = [json.dumps({"messages": [{"role": "user", "content": q},
                                      {"role": "assistant", "content": a}]})
             for q, a in QUESTIONS * repeats]
    version = write_version(app.store, name, lines, model="gpt-4o-mini")
    pre = run_preflight(app.store, app.profile.name, JobSpec(
        model="sandbox-small", training_version_id=version.id,
        hyperparameters={"n_epochs": epochs}, suffix=name))
    client = AsyncOpenAI(base_url=app.profile.base_url, api_key=os.environ[SANDBOX_KEY_ENV])
    try:  # through the fine-tuning port, as the Jobs pane launches
        return await launch(provider_for(app.profile, client), app.store, pre)
    finally:
        await client.close()


async def running_job(pilot: Pilot) -> None:
    """A real sandbox job launched through the pre-flight core, caught mid-training."""
    store = pilot.app.store
    job = await launch_qa_job(pilot.app, "support", repeats=4, epochs=3)
    await pilot.press("4")
    for _ in range(400):  # until about half the steps are in
        await pilot.pause(0.05)
        metrics = store.jobs.metrics(job.id)
        if metrics and metrics[-1].total_steps and len(metrics) >= metrics[-1].total_steps // 2:
            break
    await settle(pilot)


async def running_job_detail(pilot: Pilot) -> None:
    await running_job(pilot)
    await pilot.press("enter")


def faq_eval_file() -> Path:
    """An eval asking the Q&A questions; exact answers pass (the base model only echoes)."""
    data = WORK / "faq-eval.jsonl"
    data.write_text("".join(json.dumps({"item": {"question": q, "answer": a}}) + "\n"
                            for q, a in QUESTIONS))
    definition = WORK / "faq.eval.json"
    definition.write_text(json.dumps({
        "name": "faq", "data": data.name, "model": "sandbox-small",
        "input_messages": {"type": "template", "template": [
            {"role": "user", "content": "{{item.question}}"}]},
        "testing_criteria": [{"type": "string_check", "name": "exact answer",
                              "input": "{{sample.output_text}}",
                              "reference": "{{item.answer}}", "operation": "eq"}]}))
    return definition


async def start_loop(pilot: Pilot):
    """A guided loop on the Q&A data and the faq eval, driven by the app like the F8 form."""
    from tui.core import loop as loops
    from tui.core.dataset_versions import write_version
    from tui.core.evals import definition as defs

    app = pilot.app
    lines = [json.dumps({"messages": [{"role": "user", "content": q},
                                      {"role": "assistant", "content": a}]})
             for q, a in QUESTIONS * 2]
    version = write_version(app.store, "faq-answers", lines, model="gpt-4o-mini")
    eval_row = defs.save_to_store(app.store, defs.load(faq_eval_file()))
    loop = loops.create(app.store, profile=app.profile.name, eval_id=eval_row.id,
                        training_version_id=version.id, base_model="sandbox-small",
                        hyperparameters={"n_epochs": 3})
    app.loops.start(loop.id)
    app.action_loops(loop.id)
    return loop


async def loop_progress(pilot: Pilot) -> None:
    """The loop's progress view while its job trains (baseline measured)."""
    store = pilot.app.store
    loop = await start_loop(pilot)
    for _ in range(1200):
        await pilot.pause(0.05)
        loop = store.loops.get(loop.id)
        metrics = store.jobs.metrics(loop.job_id) if loop.job_id else []
        if metrics and metrics[-1].total_steps and len(metrics) >= metrics[-1].total_steps // 2:
            break
    pilot.app.clear_notifications()


async def model_card(pilot: Pilot) -> None:
    """A fine-tuned model's card once its loop is done: job, data hash, scores vs base, cost."""
    app = pilot.app
    loop = await start_loop(pilot)
    for _ in range(2400):
        await pilot.pause(0.05)
        if app.store.loops.get(loop.id).stage in ("done", "failed"):
            break
    loop = app.store.loops.get(loop.id)
    app.clear_notifications()
    app.show_model_card(app.store.jobs.get(loop.job_id).fine_tuned_model)
    for _ in range(100):
        await pilot.pause(0.05)
        if not any(w.group == "model-card" for w in app.workers):
            break


async def grader_editor(pilot: Pilot) -> None:
    """The grader editor on the faq eval, checking the JSON as it is typed."""
    app = pilot.app
    await pilot.press("3")
    await settle(pilot)
    app.pane("evals").load_file(str(faq_eval_file()))
    for _ in range(100):
        await pilot.pause(0.05)
        if app.store.evals.list():
            break
    await settle(pilot)
    app.clear_notifications()
    await pilot.press("e")


async def spend_ledger(pilot: Pilot) -> None:
    """The ledger after a loop, under a $5 monthly budget (sandbox models cost nothing)."""
    await model_card(pilot)
    while len(pilot.app.screen_stack) > 1:
        pilot.app.pop_screen()
    await settle(pilot)
    pilot.app.action_spend()
    for _ in range(100):
        await pilot.pause(0.05)
        if not any(w.group == "spend" for w in pilot.app.workers):
            break


async def eval_base_vs_fine_tuned(pilot: Pilot) -> None:
    """The flywheel on the sandbox: fine-tune on Q&A, then compare base and tuned runs."""
    app = pilot.app
    store = app.store
    job = await launch_qa_job(app, "faq", repeats=2, epochs=1)
    for _ in range(1200):  # the Jobs pane's watcher follows it to the end
        await pilot.pause(0.05)
        job = store.jobs.get(job.id)
        if job.fine_tuned_model:
            break
    definition = faq_eval_file()
    await pilot.press("3")
    await settle(pilot)
    pane = app.pane("evals")
    await pilot.press("o")
    await pilot.pause()
    await pilot.press(*str(definition), "enter")
    for _ in range(100):
        await pilot.pause(0.05)
        if store.evals.list():
            break
    eval_id = store.evals.list()[0].id
    for model in ("sandbox-small", job.fine_tuned_model):
        pane.start_run(eval_id, model)
        for _ in range(600):
            await pilot.pause(0.05)
            if not pane.running and all(r.status not in ("queued", "in_progress")
                                        for r in store.evals.runs(eval_id)):
                break
    base, tuned = store.evals.runs(eval_id)[:2]
    pane.marked_run, pane.selected_run = base.id, tuned.id
    pane.reload()
    app.clear_notifications()
    pane.action_compare()


async def model_chooser(pilot: Pilot) -> None:
    """Base, fine-tuned, a bigger model and the teacher on one eval, priced as if they were
    real models (the sandbox's are free), then the chooser (C)."""
    app = pilot.app
    prices = app.settings.prices
    prices.input.update({"sandbox-small": 0.15, "ft:sandbox-small": 0.30,
                         "sandbox-large": 2.5, "sandbox-teacher": 2.0})
    prices.output.update({"sandbox-small": 0.60, "ft:sandbox-small": 1.20,
                          "sandbox-large": 10.0, "sandbox-teacher": 8.0})
    await eval_base_vs_fine_tuned(pilot)
    await pilot.press("escape")
    store, pane = app.store, app.pane("evals")
    eval_id = store.evals.list()[0].id
    for model in ("sandbox-large", "sandbox-teacher"):
        pane.start_run(eval_id, model)
        for _ in range(600):
            await pilot.pause(0.05)
            if not pane.running and all(r.status not in ("queued", "in_progress")
                                        for r in store.evals.runs(eval_id)):
                break
    pane.selected_eval = eval_id
    app.clear_notifications()
    await pilot.press("C")
    for _ in range(100):
        await pilot.pause(0.05)
        if "completed runs" in str(app.screen.query("#model-chooser-detail").first().render()):
            break


def capitals_eval_file() -> Path:
    """Twelve "capital of country number N" items: the sandbox's distillation task
    (sandbox-teacher knows all but every fifth country; sandbox-small only echoes)."""
    data = WORK / "capitals-items.jsonl"
    data.write_text("".join(json.dumps({"item": {
        "question": f"What is the capital of country number {i}?",
        "answer": f"The capital of country {i} is City{i}."}}) + "\n" for i in range(12)))
    definition = WORK / "capitals.eval.json"
    definition.write_text(json.dumps({
        "name": "capitals", "data": data.name,
        "input_messages": {"type": "template", "template": [
            {"role": "user", "content": "{{item.question}}"}]},
        "testing_criteria": [{"type": "string_check", "name": "exact",
                              "input": "{{sample.output_text}}",
                              "reference": "{{item.answer}}", "operation": "eq"}]}))
    return definition


async def until_screen(pilot: Pilot, ready: Callable[[], bool], steps: int = 1200) -> None:
    for _ in range(steps):
        if ready():
            return
        await pilot.pause(0.05)


async def distill_preflight(pilot: Pilot) -> None:
    """D on the capitals eval (Evals pane): the form, then the pre-flight after its sample."""
    from tui.core.evals import definition as defs
    from tui.screens.distill_preflight import DistillPreflight

    app = pilot.app
    eval_row = defs.save_to_store(app.store, defs.load(capitals_eval_file()))
    await pilot.press("3")
    await settle(pilot)
    app.pane("evals").reload()
    app.pane("evals").selected_eval = eval_row.id
    await pilot.press("D")
    await settle(pilot)
    await pilot.press("ctrl+s")
    await until_screen(pilot, lambda: isinstance(app.screen, DistillPreflight)
                       and not app.screen.query_one("#distill-preflight-go").disabled)
    app.clear_notifications()


async def distill_compare(pilot: Pilot) -> None:
    """The whole distill flow: y after the pre-flight, the run, l for the student loop on
    sandbox-small, its job pre-flight, and the three-way comparison at the loop's end."""
    from textual.widgets import Input

    from tui.screens.distill_compare import DistillCompareScreen
    from tui.screens.distill_run import DistillRunScreen
    from tui.screens.job_preflight import JobPreflight
    from tui.screens.loop_start import LoopStart

    app = pilot.app
    await distill_preflight(pilot)
    await pilot.press("y")
    await until_screen(pilot, lambda: isinstance(app.screen, DistillRunScreen)
                       and app.screen.done)
    await pilot.press("l")
    await until_screen(pilot, lambda: isinstance(app.screen, LoopStart))
    app.screen.query_one("#loop-form-model", Input).value = "sandbox-small"
    app.screen.query_one("#loop-form-epochs", Input).value = "2"
    await pilot.press("ctrl+s")
    await until_screen(pilot, lambda: isinstance(app.screen, JobPreflight)
                       and app.screen.preflight is not None)
    await pilot.press("y")
    await until_screen(pilot, lambda: isinstance(app.screen, DistillCompareScreen), 4000)
    app.clear_notifications()
CITIES = ["paris", "rome", "madrid", "berlin", "lisbon", "vienna", "prague", "dublin",
          "oslo", "athens", "warsaw", "budapest", "helsinki", "riga", "sofia", "zagreb",
          "tallinn", "vilnius", "bern", "brussels"]


async def optimize_form(pilot: Pilot):
    """A saved prompt that passes half the capitals eval (the odd items' city is already
    in capitals), and the Optimize pre-flight filled in."""
    from tui.core.evals.definition import parse, save_to_store
    from tui.optimize_flow import start_optimize

    store = pilot.app.store
    version = store.prompts.save(
        "capitals", [{"role": "system", "content": "Answer with the last word only."},
                     {"role": "user", "content": "{{item.question}}"}], model="sandbox-small")
    items = [{"item": {"question": f"which city is the capital here: "
                                   f"{city.upper() if i % 2 else city}",
                       "reference": city.upper()}} for i, city in enumerate(CITIES)]
    save_to_store(store, parse({"name": "capitals-upper", "items": items, "testing_criteria": [
        {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.reference}}", "operation": "eq"}]}))
    start_optimize(pilot.app, version_id=version.id)
    await settle(pilot)
    form = pilot.app.screen
    form.query_one("#optf-budget").value = "24"
    form.query_one("#optf-seed").value = "5"  # held-out: 3 of 6 pass with the seed
    for _ in range(200):
        await pilot.pause(0.05)
        if form.plan is not None and form.plan_for == form.values():
            break
    return form


async def optimize_preflight(pilot: Pilot) -> None:
    await optimize_form(pilot)


async def optimize_live(pilot: Pilot) -> None:
    await optimize_form(pilot)
    await pilot.press("ctrl+s")
    store = pilot.app.store
    for _ in range(1200):
        await pilot.pause(0.1)
        opts = store.optimizations.list()
        if opts and opts[0].status in ("done", "failed"):
            break
    pilot.app.clear_notifications()
    await pilot.pause(1.5)  # the live view re-reads the store once a second


SHOTS: list[tuple[str, list[str], Setup | None, bool]] = [
    # name, keys after setup, setup, uses the sandbox profile
    ("datasets-empty", [], None, False),
    ("datasets-report", [], with_dataset, True),
    ("datasets-errors", [], dataset_errors, True),
    ("datasets-transcript", [], dataset_transcript, True),
    ("playground-compare", [], playground_compare, True),
    ("evals-empty", ["3"], None, False),
    ("evals-compare", [], eval_base_vs_fine_tuned, True),
    ("evals-graders", [], grader_editor, True),
    ("evals-chooser", [], model_chooser, True),
    ("distill-preflight", [], distill_preflight, True),
    ("distill-compare", [], distill_compare, True),
    ("jobs-empty", ["4"], None, False),
    ("jobs-running", [], running_job, True),
    ("jobs-running-detail", [], running_job_detail, True),
    ("loop-progress", [], loop_progress, True),
    ("model-card", [], model_card, True),
    ("optimize-preflight", [], optimize_preflight, True),
    ("optimize-live", [], optimize_live, True),
    ("spend", [], spend_ledger, True),
    ("help", ["question_mark"], None, False),
    ("profiles", ["p"], None, True),
]


async def render(name: str, keys: list[str], setup: Setup | None, server) -> None:
    settings = load_settings()
    settings.poll_interval_s = 1.0
    profile = None
    if server is not None:
        os.environ[SANDBOX_KEY_ENV] = server.api_key
        settings.profiles["sandbox"] = Profile(name="sandbox", kind="sandbox",
                                               base_url=server.base_url,
                                               api_key_env=SANDBOX_KEY_ENV, budget_usd=5.0)
        profile = "sandbox"
    db = WORK / f"{name}.db"
    app = TunedeckApp(settings=settings, db_path=db if server else default_db_path(),
                      profile=profile)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await settle(pilot)
        if setup is not None:
            await setup(pilot)
            await settle(pilot)
        if keys:
            await pilot.press(*keys)
        await settle(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    from tui.sandbox.server import SandboxServer

    # Slow enough that a job is still training when its picture is taken.
    with SandboxServer(speed=3.0) as server:
        wanted = set(sys.argv[1:])
        for name, keys, setup, sandboxed in SHOTS:
            if not wanted or name in wanted:
                await render(name, keys, setup, server if sandboxed else None)


if __name__ == "__main__":
    asyncio.run(main())
