"""Pilot tests of the app shell: panes, help, profiles, keymap, worker errors."""

from __future__ import annotations

from textual.widgets import TabbedContent

from tests.apphelpers import SIZE, make_app, ready
from tui.panes.base import EmptyState
from tui.screens.help import HelpScreen
from tui.screens.profiles import ProfileScreen


async def test_starts_with_four_panes_reachable_by_number_keys():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        tabs = app.query_one("#panes", TabbedContent)
        assert tabs.active == "datasets"
        for key, pane_id in [("2", "playground"), ("3", "evals"), ("4", "jobs"),
                             ("1", "datasets")]:
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == pane_id
            assert app.pane(pane_id).query_one(EmptyState).display


async def test_panes_are_reachable_by_mouse():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click("Tab#--content-tab-jobs")
        await pilot.pause()
        assert app.query_one("#panes", TabbedContent).active == "jobs"


async def test_help_lists_every_binding():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for binding in app.BINDINGS:
            assert binding.id in text
            assert binding.description in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_profile_without_key_shows_why_instead_of_failing():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        banner = app.query_one("#key-banner")
        assert banner.display
        text = str(banner.render())
        assert "OPENAI_API_KEY" in text and "tunedeck --sandbox" in text
        assert "no key" in app.sub_title


async def test_profile_switcher_changes_profile_and_header(isolated_home, monkeypatch):
    monkeypatch.setenv("LOCAL_KEY", "local-secret-000000")
    (isolated_home / "config.toml").write_text(
        '[profiles.local-vllm]\nkind = "compatible"\nbase_url = "http://127.0.0.1:1/v1"\n'
        'api_key_env = "LOCAL_KEY"\n'
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)
        # Profiles are listed in config order: local-vllm first, then openai.
        await pilot.press("home", "enter")
        await pilot.pause()
        assert app.profile.name == "local-vllm"
        assert "local-vllm" in app.sub_title and "key set" in app.sub_title
        assert not app.query_one("#key-banner").display
        # A profile without fine-tuning says so on the Jobs pane.
        await pilot.press("4")
        await pilot.pause()
        notice = app.pane("jobs").query_one("#jobs-capability")
        assert notice.display and "no fine-tuning" in str(notice.render())


async def test_keymap_from_config_remaps_bindings(isolated_home):
    (isolated_home / "config.toml").write_text('[keymap]\n"app.pane.jobs" = "j"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j")
        await pilot.pause()
        assert app.query_one("#panes", TabbedContent).active == "jobs"


async def test_worker_error_becomes_a_notification_not_a_crash(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-never-show-0123456789")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)

        async def boom() -> None:
            raise ConnectionError("upstream said sk-should-never-show-0123456789 is wrong")

        app.run_worker(boom(), name="fetch models", exit_on_error=False)
        await pilot.pause(0.2)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any("ConnectionError" in m for m in messages)
        assert not any("sk-should-never-show" in m for m in messages)


async def test_command_palette_lists_pane_actions():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        from tui.palette import TunedeckCommands

        provider = TunedeckCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        for pane_cls in app.PANES:
            assert f"Go to {pane_cls.pane_title}" in names
        assert "Switch profile" in names


async def test_function_keys_switch_panes_even_from_a_text_field():
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await pilot.pause()
        app.pane("playground").query_one("#pg-models", Input).focus()
        await pilot.pause()
        await pilot.press("3")  # typed into the field…
        await pilot.press("f5")  # …but F5 still switches
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#panes", TabbedContent).active == "jobs"
        assert app.pane("playground").query_one("#pg-models", Input).value.endswith("3")


async def test_a_pane_workers_error_becomes_a_notification_too(tmp_path):
    # Worker.StateChanged does not bubble: a worker started by a pane or a
    # screen reports only to it, so the app's handler alone never saw it.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)

        async def boom() -> None:
            raise ConnectionError("the pane's request failed")

        app.pane("jobs").run_worker(boom(), name="list models", exit_on_error=False)
        await pilot.pause(0.2)
        assert app.is_running
        assert any("the pane's request failed" in n.message for n in app._notifications)


def test_every_widget_that_starts_workers_reports_their_errors():
    # A new pane or screen with a worker must not fall back to silent failures.
    import importlib
    import inspect
    import pkgutil

    from textual.dom import DOMNode

    import tui.panes
    import tui.screens
    from tui.worker_errors import ReportsWorkerErrors

    missing = []
    for package in (tui.panes, tui.screens):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for cls in vars(module).values():
                if (inspect.isclass(cls) and issubclass(cls, DOMNode)
                        and cls.__module__ == module.__name__
                        and ("@work(" in inspect.getsource(cls)
                             or ".run_worker(" in inspect.getsource(cls))
                        and not issubclass(cls, ReportsWorkerErrors)):
                    missing.append(cls.__qualname__)
    assert missing == []


async def test_a_key_queued_right_behind_a_pane_switch_reaches_the_new_pane():
    # Typed fast (or pasted), "1" and "i" arrive in one read: both key events
    # are queued before the switch runs. Widget.focus() defers to the queue,
    # behind the "i", so the "i" found no pane focused and was lost.
    from textual import events

    from tui.screens.dataset_import import ImportScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await pilot.pause()
        app.post_message(events.Key("1", "1"))
        app.post_message(events.Key("i", "i"))
        for _ in range(10):
            await pilot.pause()
        assert isinstance(app.screen, ImportScreen)


async def test_modal_boxes_fit_an_80_column_terminal(tmp_path):
    # Fixed widths of 90-100 columns ran past the right edge at 80x24: the
    # border and the end of every line were cut off.
    from tui.screens.dataset_import import ImportScreen
    from tui.screens.job_create import JobCreate
    from tui.screens.loop_start import LoopStart
    from tui.screens.text_prompt import AskName

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screens = [
            (HelpScreen(app.help_sections()), "#help-body"),
            (ProfileScreen(list(app.settings.profiles.values()), app.profile.name),
             "#profile-box"),
            (ImportScreen(tmp_path), ".modal-box"),
            (AskName("A question"), ".modal-box"),
            (JobCreate([("data v1", 1)], ["gpt-4.1-mini"]), "#job-form"),
            (LoopStart([("data v1", 1)], [("qa", 1)], ["gpt-4.1-mini"]), "#loop-form"),
        ]
        for screen, box in screens:
            await app.push_screen(screen)
            await pilot.pause()
            region = screen.query_one(box).region
            assert region.x >= 0 and region.right <= 80, (type(screen).__name__, region)
            app.pop_screen()
            await pilot.pause()


async def test_textuals_own_notices_read_plainly_too(tmp_path):
    """Notifications parse no markup (they quote data); the two Textual raises itself with
    markup in them (ctrl+c's hint, a saved screenshot) are worded without it."""
    from pathlib import Path

    from textual import events

    from tests.apphelpers import settle

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        app.post_message(events.DeliveryComplete(key="k", path=Path("/tmp/x.svg"),
                                                 name="screenshot"))
        await settle(pilot)
        assert [n.message for n in app._notifications] == [
            "Press ctrl+q to quit the app", "Saved screenshot to '/tmp/x.svg'"]
