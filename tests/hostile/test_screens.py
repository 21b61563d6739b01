"""The app-wide screens with hostile data: guided loops (F8), the spend ledger (F9), help,
the profile picker (a shared config's profile names and URLs), the key banner."""

from __future__ import annotations

from tests.apphelpers import make_app, ready, settle, until
from tests.hostile import corpus
from tests.hostile.terminal import (
    assert_shown,
    assert_terminal_clean,
    assert_toast,
    click_everything_hostile,
    recording,
    shows,
)

SIZE = (160, 45)
# A profile from a shared config.toml: TOML's \\u escapes put controls in its name and URL.
PROFILE = "team[/draft][@click=app.screenshot('profL.svg')]profL[/]\x1b]2;pwned\x07"
PROFILE_TOML = (
    '\n[profiles."team[/draft][@click=app.screenshot(\'profL.svg\')]profL[/]\\u001b]2;pwned'
    '\\u0007"]\nkind = "compatible"\n'
    'base_url = "http://127.0.0.1:9/[@click=app.quit]urlC[/]\\u001b]52;c;Y3Vy\\u0007"\n'
    'api_key_env = "TUNEDECK_HOSTILE_UNSET"\nbudget_usd = 5\n')


def add_hostile_profile(home) -> None:
    with (home / "config.toml").open("a") as config:
        config.write(PROFILE_TOML)


async def test_loops_screen_shows_hostile_names_and_errors(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert_shown(app, corpus.LOOP_NAME, within=app.screen.query_one("#loops-list"),
                     prefix=20)
        detail = app.screen.query_one("#loop-detail")
        assert_shown(app, corpus.LOOP_NAME, corpus.LOOP_ERROR, within=detail)
        await click_everything_hostile(pilot, [corpus.LOOP_NAME, corpus.LOOP_ERROR], shots)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_spend_ledger_groups_by_hostile_names(seeded, isolated_home, shots):
    add_hostile_profile(isolated_home)
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: shows(app, "#spend-title", " total "))
        assert_shown(app, PROFILE, within=app.screen.query_one("#spend-budgets"), prefix=12)
        while "by model" not in str(app.screen.query_one("#spend-title").render()):
            await pilot.press("g")
            await settle(pilot)
        assert_shown(app, corpus.MODEL_ID, within=app.screen.query_one("#spend-table"),
                     prefix=30)
        await click_everything_hostile(pilot, [corpus.MODEL_ID, PROFILE], shots)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_profile_picker_help_and_key_banner_are_text(seeded, isolated_home, shots):
    add_hostile_profile(isolated_home)
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("p")
        await settle(pilot)
        picker = app.screen.query_one("#profile-list")
        assert_shown(app, PROFILE[:12], within=picker)
        assert_shown(app, "http://127.0.0.1:9/[@click=app.quit]urlC[/]", within=picker)
        await click_everything_hostile(pilot, [PROFILE, "[@click=app.quit]urlC[/]"], shots)
        if app.screen.id != "_default":
            await pilot.press("escape")
            await settle(pilot)
        # Switch to it: its key is not set, and the banner names the profile.
        app.profile = app.settings.profile(PROFILE)
        app.refresh_profile()
        await settle(pilot)
        assert_shown(app, "No API key: profile " + PROFILE,
                     within=app.query_one("#key-banner"))
        await click_everything_hostile(pilot, [PROFILE], shots)
        await pilot.press("question_mark")
        await settle(pilot)
        assert_shown(app, "tunedeck — keys", within=app.screen.query_one("#help-text"))
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_a_failed_worker_toast_keeps_the_redacted_marker_and_shows_data(seeded, shots):
    """Worker errors are toasts: the `[redacted]` marker was eaten as markup, and an error
    quoting data (a stray tag) broke the toast."""
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)

        def fail() -> None:
            raise RuntimeError(f"bad key sk-proj-abcdefgh12345678 for {corpus.USER_TEXT}")

        app.run_worker(fail, thread=True, exit_on_error=False, name="hostile worker")
        await until(pilot, lambda: any(n.title == "hostile worker"
                                       for n in app._notifications))
        await settle(pilot)
        assert_toast(app, "RuntimeError: bad key [redacted] for " + corpus.USER_TEXT,
                     prefix=80)
        await click_everything_hostile(pilot, [corpus.USER_TEXT], shots)
        assert app.return_code is None
    assert_terminal_clean(app)
