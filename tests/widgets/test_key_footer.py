"""The footer keeps `?` help in sight on every pane, at 120 and 80 columns, and puts the
pane's own keys before the app's (the pane tabs already name 1-4)."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.apphelpers import make_app, ready, settle


def visible_keys(app, width: int) -> list[str]:
    footer = app.query_one("KeyFooter")
    return [k.key_display for k in footer.query(FooterKey)
            if k.region.width and k.region.right <= width]


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_help_is_shown_on_every_pane(isolated_home, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        for key in "1234":
            await pilot.press(key)
            await settle(pilot)
            shown = visible_keys(app, size[0])
            assert "?" in shown, (key, shown)
            assert not {"1", "2", "3", "4"} & set(shown)  # the tabs say them


async def test_the_datasets_keys_all_fit_at_120_columns(isolated_home):
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await ready(pilot)
        await settle(pilot)
        shown = visible_keys(app, 120)
        pane_keys = [app.get_key_display(b) for b in app.pane("datasets").BINDINGS]
        assert [k for k in pane_keys if k not in shown] == [], shown


async def test_the_jobs_keys_that_matter_fit_at_120_columns(isolated_home):
    # Issue 21 item 21: twelve keys took 165 columns, so the docked `?` covered `g` and
    # `e`, `k` and `R` were cut. A key counts only when `?` does not cover it.
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        keys = list(app.query_one("KeyFooter").query(FooterKey))
        help_x = next(k.region.x for k in keys if k.key_display == "?")
        clear = [k.key_display for k in keys if k.region.width and k.key_display != "?"
                 and k.region.right <= help_x]
        assert [k for k in ("n", "o", "s", "c", "g", "e", "k", "R") if k not in clear] == []
        # Kept out of the footer, still in help and the palette (by binding id).
        hidden = {b.id for b in app.pane("jobs").BINDINGS if not b.show}
        assert hidden == {"jobs.refresh", "jobs.pause", "jobs.resume", "jobs.copy"}
