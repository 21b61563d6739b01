"""The sandbox state's transaction: a step's writes land together or not at all.

A server killed between a step's metrics event and the job's next-step counter
used to record that step twice when it resumed (seen on the Ray follow test).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.sandbox.state import State


def test_writes_inside_a_failed_transaction_are_not_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    state = State(path)
    state.put("jobs", {"id": "ftjob-1", "_next_step": 8})
    with pytest.raises(RuntimeError), state.transaction():
        state.put("events", {"id": "ftevent-8", "_job": "ftjob-1", "data": {"step": 8}})
        raise RuntimeError("killed before the job was saved")
    state.close()

    reopened = State(path)
    assert reopened.get("events", "ftevent-8") is None
    assert reopened.get("jobs", "ftjob-1") == {"id": "ftjob-1", "_next_step": 8}


def test_a_committed_transaction_keeps_every_write(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    state = State(path)
    job = state.put("jobs", {"id": "ftjob-1", "_next_step": 8})
    with state.transaction():
        state.put("events", {"id": "ftevent-8", "_job": "ftjob-1", "data": {"step": 8}})
        with state.transaction():  # nested: part of the outer one
            job["_next_step"] = 9
            state.save("jobs", job)
    state.close()

    reopened = State(path)
    assert reopened.get("events", "ftevent-8") == {"id": "ftevent-8", "_job": "ftjob-1", "data": {"step": 8}}
    assert reopened.get("jobs", "ftjob-1")["_next_step"] == 9


def test_an_in_memory_state_takes_a_transaction_too() -> None:
    state = State()
    with state.transaction():
        state.put("jobs", {"id": "ftjob-1"})
    assert state.get("jobs", "ftjob-1") == {"id": "ftjob-1"}
