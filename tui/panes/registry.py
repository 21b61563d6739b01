"""The four panes, described without importing them.

A pane's module (and the widgets it uses: TextArea, Select, …) is imported
the first time the pane is shown, so the first frame only pays for the shell.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import BindingType

    from tui.panes.base import Pane


@dataclass(frozen=True)
class PaneSpec:
    pane_id: str
    pane_title: str
    module: str
    class_name: str

    @cached_property
    def cls(self) -> type[Pane]:
        return getattr(importlib.import_module(self.module), self.class_name)

    @property
    def BINDINGS(self) -> list[BindingType]:  # noqa: N802 - mirrors the class attribute
        return list(self.cls.BINDINGS)


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("datasets", "Datasets", "tui.panes.datasets", "DatasetsPane"),
    PaneSpec("playground", "Playground", "tui.panes.playground", "PlaygroundPane"),
    PaneSpec("evals", "Evals", "tui.panes.evals", "EvalsPane"),
    PaneSpec("jobs", "Jobs", "tui.panes.jobs", "JobsPane"),
)
