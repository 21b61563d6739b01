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
        shown = visible_keys(app, 120)
        pane_keys = [app.get_key_display(b) for b in app.pane("datasets").BINDINGS]
        assert [k for k in pane_keys if k not in shown] == []
