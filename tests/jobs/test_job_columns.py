"""The Jobs list's key columns fit 80 columns with real-length ids (issue 21, item 10)."""

from __future__ import annotations

from tui.widgets.job_columns import CELL_PADDING, KEY_COLUMNS, SCROLLBAR, fitted, key_widths

ROW = {"job": "ftjob-3a511e9ae163941ba3cbc6a6", "status": "validating_files",
       "progress": "31/96 ███░░", "ETA": "12m34s", "age": "1m",
       "fine-tuned model": "ft:gpt-4o-mini-2024-07-18:acme-corp:support:AbC123xy"}


def test_at_80_columns_every_key_column_is_on_screen_and_ids_keep_their_ends():
    widths = key_widths(80, [ROW])
    assert sum(widths.values()) + CELL_PADDING * len(KEY_COLUMNS) + SCROLLBAR <= 80
    assert widths["status"] == len("validating_files") and widths["ETA"] == 6
    job, model = (fitted(ROW[c], widths[c]) for c in ("job", "fine-tuned model"))
    assert job.startswith("ftjob-") and job.endswith("3cbc6a6")
    assert model.startswith("ft:gpt") and model.endswith("AbC123xy")


def test_with_room_the_ids_are_whole():
    widths = key_widths(160, [ROW])
    assert widths["job"] == len(ROW["job"])
    assert widths["fine-tuned model"] == len(ROW["fine-tuned model"])


def test_at_120_columns_the_base_models_name_fits_beside_the_whole_model_id():
    row = {**ROW, "status": "succeeded", "fine-tuned model": "ft:sandbox-small:tunedeck::5096db9c",
           "base name": "sandbox-small", "base model": "sandbox-small retires 2027-01-14"}
    widths = key_widths(120, [row])
    assert widths["fine-tuned model"] == len(row["fine-tuned model"])
    assert widths["base model"] >= len("sandbox-small") and widths["job"] >= 14
    used = sum(widths.values()) + CELL_PADDING * len(widths) + SCROLLBAR
    assert used <= 120
    assert "base model" not in key_widths(80, [row])  # no room: it follows, whole


def test_a_narrow_base_model_cell_keeps_the_date_not_half_a_word():
    from tui.panes.jobs import retiring_cell

    assert retiring_cell("sandbox-small", "2099-01-14").plain == "sandbox-small retires 2099-01-14"
    assert retiring_cell("sandbox-small", "2099-01-14", 24).plain == "sandbox-small 2099-01-14"
    assert retiring_cell("sandbox-small", "2099-01-14", 18).plain == "sandbox-small"
