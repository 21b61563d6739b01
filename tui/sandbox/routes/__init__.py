"""Route tables of the `/v1` API, one module per resource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute


def all_routes() -> list[BaseRoute]:
    from tui.sandbox.routes import (
        batches,
        chat,
        chat_stored,
        evals,
        files,
        fine_tuning,
        models,
        responses,
    )

    routes: list[BaseRoute] = []
    # Stored completions are OpenAI's alone: the dialects do not list them. Chat comes
    # first: Starlette tries routes in order, and an eval run sends nothing else. Only
    # chat and chat_stored share a path (/chat/completions, by method), and chat stays
    # before it, so the order changes no answer.
    for module in (chat, models, files, chat_stored, responses, fine_tuning, batches, evals):
        routes += module.ROUTES
    return routes


def dialect_routes() -> list[BaseRoute]:
    """What the OpenAI-shaped dialects (Azure v1, Bedrock) serve: models, files, chat and
    fine-tuning; their accounts see only their own objects."""
    from tui.sandbox.routes import chat, files, fine_tuning, models

    routes: list[BaseRoute] = []
    for module in (chat, models, files, fine_tuning):
        routes += module.ROUTES
    return routes


def resumers() -> list[Callable[[Any], None]]:
    """Restart the background work a previous process (with --state) left unfinished."""
    from tui.sandbox import batch_runner, eval_runner, job_lifecycle

    return [job_lifecycle.resume_all, batch_runner.resume_all, eval_runner.resume_all]
