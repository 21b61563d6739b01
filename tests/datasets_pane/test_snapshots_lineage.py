"""The datasets pane with branched versions, at 120×35 and 80×24: each version names its
parent, and the detail says where the selected one came from."""

from __future__ import annotations

import pytest

from tests.apphelpers import make_app, ready, settle
from tests.datasets_pane.test_datasets_pane import sft
from tui.core.dataset_versions import write_version


async def branched(pilot) -> None:
    await ready(pilot)
    store = pilot.app.store
    lines = [sft(i) for i in range(12)]
    v1 = write_version(store, "support", lines)
    v2 = write_version(store, "support", [*lines, sft(50)], parent_version_id=v1.id,
                       note="added 1")
    write_version(store, "support", lines[:-1], parent_version_id=v1.id, note="excluded 1")
    write_version(store, "support/train", lines[:10], parent_version_id=v2.id,
                  note="split of support v2")
    pane = pilot.app.pane("datasets")
    pane.reload()
    pane.query_one("#ds-examples").focus()
    await settle(pilot)
    pilot.app.clear_notifications()


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
def test_versions_show_their_parents(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=branched)
