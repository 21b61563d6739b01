"""Playground against the sandbox over real HTTP: runs, compare, data out, failures."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, TextArea

from tests.apphelpers import SIZE, ready, rendered, sandbox_app, settle, wait_for_group
from tui.sandbox.server import SandboxServer
from tui.widgets.output_panel import OutputPanel


async def open_playground(pilot, *, models: str, user: str, system: str = "",
                          variables: str = "") -> object:
    await ready(pilot)
    await pilot.press("2")
    await settle(pilot)
    pane = pilot.app.pane("playground")
    pane.query_one("#pg-models", Input).value = models
    pane.query_one("#pg-system", TextArea).text = system
    pane.query_one("#pg-user", TextArea).text = user
    pane.query_one("#pg-vars", Input).value = variables
    return pane


async def wait_group(pilot, pane, group: str) -> None:
    await wait_for_group(pilot, group)


async def run_and_wait(pilot, pane) -> None:
    await pilot.app.run_pane_action("playground", "run")
    await pilot.pause()
    await wait_group(pilot, pane, "playground-run")


async def test_streamed_run_records_version_usage_and_output(sandbox, monkeypatch, isolated_home):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small", system="Be brief.",
                                     user="Say hello to {{name}}", variables="name=Ada")
        await run_and_wait(pilot, pane)
        runs = app.store.prompts.runs()
        assert len(runs) == 1
        run = runs[0]
        assert run.status == "completed"
        assert "Ada" in run.output_text
        assert run.input_tokens and run.output_tokens and run.latency_ms is not None
        assert run.ttft_ms is not None and run.cost_usd == 0.0
        assert run.input[-1] == {"role": "user", "content": "Say hello to Ada"}
        version = app.store.prompts.version(run.prompt_version_id)
        assert version.messages[-1]["content"] == "Say hello to {{name}}"  # template kept
        # The live token count uses the datasets pane's counter on the filled prompt.
        from tui.core.datasets.counting import count_messages
        from tui.core.datasets.tokens import count_function

        expected, _ = count_messages(run.input, count_function("o200k_base"))
        assert f"{expected} tokens" in rendered(pane.query_one("#pg-status"))
        panel = pane.query_one(OutputPanel)
        assert panel.text == run.output_text and panel.status == "completed"
        # Running the same prompt again reuses its version; a change makes a new one.
        await run_and_wait(pilot, pane)
        pane.query_one("#pg-system", TextArea).text = "Be very brief."
        await run_and_wait(pilot, pane)
        versions = {r.prompt_version_id for r in app.store.prompts.runs()}
        assert len(versions) == 2


async def test_compare_runs_two_models_concurrently(sandbox, monkeypatch, isolated_home):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small, sandbox-large",
                                     user="Compare us")
        await app.run_pane_action("playground", "run")
        running = [w for w in pane.workers if w.group == "playground-run"]
        assert len(running) == 2  # both streams started before either finished
        await wait_group(pilot, pane, "playground-run")
        runs = app.store.prompts.runs()
        assert sorted(r.model for r in runs) == ["sandbox-large", "sandbox-small"]
        assert len({r.compare_group for r in runs}) == 1 and runs[0].compare_group
        assert all(r.status == "completed" for r in runs)
        assert len(pane.query(OutputPanel)) == 2


async def test_outputs_become_valid_sft_and_dpo_lines(sandbox, monkeypatch, isolated_home):
    from tui.core.dataset_versions import version_lines
    from tui.core.datasets.validate import validate_bytes

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small, sandbox-large",
                                     user="What is the capital of France?")
        await run_and_wait(pilot, pane)
        # SFT: ctrl+t opens the editor with the answer; edit it and save.
        await pilot.press("ctrl+t")
        await settle(pilot)
        app.screen.query_one("#edit-text", TextArea).text = "Paris."
        await pilot.press("ctrl+s")
        await settle(pilot)
        await wait_group(pilot, pane, "dataset-write")
        # DPO: ctrl+b, answer 2 is better (picked from the list of answers).
        await pilot.press("ctrl+b")
        await settle(pilot)
        options = app.screen.query_one("#pick-options")
        assert str(options.get_option_at_index(1).prompt) == "2: sandbox-large"
        await pilot.press("down", "enter")
        await settle(pilot)
        await wait_group(pilot, pane, "dataset-write")
        store = app.store
        sft = store.datasets.get_by_name("playground-sft")
        sft_version = store.datasets.versions(sft.id)[0]
        lines = list(version_lines(store, sft_version.id))
        assert json.loads(lines[-1])["messages"][-1] == {"role": "assistant",
                                                         "content": "Paris."}
        dpo = store.datasets.get_by_name("playground-dpo")
        dpo_line = json.loads(list(version_lines(store, store.datasets.versions(dpo.id)[0].id))[0])
        large_answer = next(r.output_text for r in store.prompts.runs()
                            if r.model == "sandbox-large")
        assert dpo_line["preferred_output"][0]["content"] == large_answer
        for line in (lines[-1], json.dumps(dpo_line)):
            report = validate_bytes(line.encode() + b"\n")
            assert report.invalid == 0, report.first_errors


@pytest.mark.parametrize(
    ("faults", "status", "words"),
    [("drop=1", "incomplete", "interrupted"), ("429=1,retry_after=0", "error", "Rate limited")],
)
async def test_failures_keep_partial_output_and_say_what_to_do(
    faults, status, words, monkeypatch, isolated_home
):
    with SandboxServer(api_key="sk-faulty", faults=faults) as server:
        app = sandbox_app(server, monkeypatch, isolated_home)
        async with app.run_test(size=SIZE) as pilot:
            pane = await open_playground(pilot, models="sandbox-small",
                                         user="A long enough question to stream in pieces")
            await run_and_wait(pilot, pane)
            run = app.store.prompts.runs()[0]
            assert run.status == status
            assert words in (run.error or "")
            if status == "incomplete":
                assert run.output_text  # what arrived before the drop is kept
            panel = pane.query_one(OutputPanel)
            assert panel.status == status and "ctrl+r retries" in str(
                panel.query_one(".output-text").render())


async def test_no_key_is_explained_in_the_panel(isolated_home):
    from tests.apphelpers import make_app

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="gpt-4o-mini", user="hi")
        await run_and_wait(pilot, pane)
        run = app.store.prompts.runs()[0]
        assert run.status == "error" and "OPENAI_API_KEY" in run.error


async def test_variables_and_few_shot_come_from_datasets(sandbox, monkeypatch, isolated_home):
    from tui.core.dataset_versions import write_version

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small",
                                     user="Translate {{text}} into {{lang}}")
        write_version(app.store, "evalset", [
            json.dumps({"item": {"text": "cheese", "lang": "French", "reference": "fromage"}}),
            json.dumps({"item": {"text": "bread", "lang": "German", "reference": "Brot"}}),
        ])
        write_version(app.store, "shots", [json.dumps({"messages": [
            {"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": f"A{i}"}]})
            for i in range(5)])
        # The form offers the stored datasets; a line past the version's end is said
        # inline and the form stays open.
        await pick_example(pilot, "ctrl+f", "evalset", "3")
        from tui.screens.example_source_form import ExampleSourceForm

        assert isinstance(app.screen, ExampleSourceForm)
        assert "line: a whole number from 1 to 2; 3 is not" in rendered(
            app.screen.query_one("#form-error"))
        assert [str(label) for label, _ in app.screen.query_one("#source-dataset")._options] \
            == ["evalset", "shots"]
        app.screen.query_one("#source-number", Input).value = "2"
        await pilot.press("enter")
        await settle(pilot)
        assert pane.variables() == {"text": "bread", "lang": "German"}
        await pick_example(pilot, "f6", "shots", "2")
        await run_and_wait(pilot, pane)
        run = app.store.prompts.runs()[0]
        assert run.input == [
            {"role": "user", "content": "Q0"}, {"role": "assistant", "content": "A0"},
            {"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
            {"role": "user", "content": "Translate bread into German"},
        ]
        # esc: nothing changes.
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert pane.variables() == {"text": "bread", "lang": "German"}


async def pick_example(pilot, key: str, dataset: str, number: str) -> None:
    """Open the example-source form with `key`, pick `dataset` (latest) and a number."""
    from textual.widgets import Select

    await pilot.press(key)
    await settle(pilot)
    pilot.app.screen.query_one("#source-dataset", Select).value = dataset
    await settle(pilot)
    pilot.app.screen.query_one("#source-number", Input).value = number
    await pilot.press("enter")
    await settle(pilot)


async def test_the_status_line_names_a_chosen_model_that_retires(sandbox, monkeypatch,
                                                                 isolated_home):
    # Issue 16: shutdown dates in the Playground's model list; the sandbox's /v1/models
    # announces sandbox-small's for 2027-01-14, as OpenAI's does for gpt-4o's fine-tunes.
    from tests.apphelpers import until

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-large", user="hi")
        await until(pilot, lambda: app.store.models.list("sandbox"))  # fetched on first show
        await settle(pilot)
        assert "retires" not in rendered(pane.query_one("#pg-status"))
        pane.query_one("#pg-models", Input).value = "sandbox-large, sandbox-small"
        await until(pilot, lambda: "sandbox-small retires 2027-01-14" in " ".join(rendered(
            pane.query_one("#pg-status")).split()))


async def test_f7_selects_all_in_every_field_and_f11_opens_the_model_card(isolated_home):
    """F7 is Textual's select-all in a TextArea; in the models and variables fields it
    opened the model card instead (issue 21, item 20). The card is f11."""
    from tests.apphelpers import make_app, until
    from tui.screens.model_card import ModelCardScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_playground(pilot, models="sandbox-small", user="Say hi",
                                     variables="name=Ada")
        for field in ("#pg-user", "#pg-vars", "#pg-models"):
            widget = pane.query_one(field)
            widget.focus()
            await settle(pilot)
            if isinstance(widget, Input):
                widget.cursor_position = 0
                await pilot.press("f7")
                await settle(pilot)
                assert widget.selection == (0, len(widget.value)), field
            else:
                await pilot.press("f7")
                await settle(pilot)
                assert widget.selected_text == "Say hi"
            assert not isinstance(app.screen, ModelCardScreen), field
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, ModelCardScreen))
