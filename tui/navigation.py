"""Typed navigation requests: what a pane or screen asks the App for, never doing it itself.

A pane does not reach into another pane (its private inputs, its run starts); it
hands the App one of these through `Host.navigate` and the App routes it
(tui/app_routes.py): it closes what is in the way, shows the pane that does the work
and calls that pane's public method. (Opening a screen, such as a comparison, needs no
request: `Host.open_comparison` pushes it.) So each request has one route, testable headless
as a value, and the panes stay unaware of each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TryModelInPlayground:
    """The Playground with a fine-tuned model (or checkpoint) beside its base."""

    model: str


@dataclass(frozen=True, slots=True)
class EvaluateAgainstBase:
    """Run an eval on a tuned model and on its base (unless a finished base run exists),
    then open the comparison when both are done."""

    eval_id: int
    base_model: str
    tuned_model: str


NavigationRequest = TryModelInPlayground | EvaluateAgainstBase
