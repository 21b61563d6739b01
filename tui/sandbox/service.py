"""The running sandbox: state, engine, clock and the background tasks of jobs and runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from tui.engines.protocol import Engine
from tui.sandbox.errors import APIError
from tui.sandbox.faults import FaultConfig, FaultInjector
from tui.sandbox.multipart import UploadLimits
from tui.sandbox.state import State

OWNER = "tunedeck-sandbox"
# Base model -> the date GET /v1/models says it shuts down (OpenAI's `shutdown_date`).
# sandbox-small retires with OpenAI's fine-tuned gpt-4o/4.1 models, so the retirement
# notices and "retrain elsewhere" can be tried on the sandbox.
RETIREMENTS = {"sandbox-small": "2027-01-14"}


class Sandbox:
    def __init__(
        self,
        *,
        api_key: str,
        speed: float = 1.0,
        faults: FaultConfig | None = None,
        state_path: str | None = None,
        engine: Engine | None = None,
        limits: UploadLimits | None = None,
        retirements: dict[str, str] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        if engine is None:
            from tui.engines.honest import SandboxEngine

            engine = SandboxEngine()
        self.api_key = api_key
        self.speed = speed
        self.engine = engine
        self.limits = limits or UploadLimits()
        self.faults = FaultInjector(faults or FaultConfig())
        self.retirements = dict(RETIREMENTS if retirements is None else retirements)
        self.state = State(state_path)
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        # Called at startup to pick up work a previous process left running.
        self.resumers: list[Callable[[Sandbox], None]] = []

    @property
    def owner(self) -> str:
        """`owned_by` of the models: which engine made them (tunedeck-sandbox, tunedeck-local)."""
        return getattr(self.engine, "owner", OWNER)

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of sandbox time (real time divided by speed)."""
        await asyncio.sleep(seconds / self.speed)

    def spawn(self, key: str, coro: Awaitable[Any]) -> None:
        old = self.tasks.get(key)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.ensure_future(coro)
        self.tasks[key] = task
        task.add_done_callback(lambda t, k=key: self._done(k, t))

    def _done(self, key: str, task: asyncio.Task[Any]) -> None:
        if self.tasks.get(key) is task:
            del self.tasks[key]

    def cancel_task(self, key: str) -> None:
        task = self.tasks.pop(key, None)
        if task is not None:
            task.cancel()

    def model_artifact(self, name: str, *, param: str = "model") -> dict[str, Any] | None:
        """None for a base model, the trained artifact for ft: models; 404 otherwise."""
        if name in self.engine.base_models():
            return None
        record = self.state.get("models", name)
        if record is None:
            raise APIError(404, f"The model `{name}` does not exist or you do not have access to it.",
                           param=param, code="model_not_found")
        return record["_artifact"]

    async def startup(self) -> None:
        for resume in self.resumers:
            resume(self)

    async def shutdown(self) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()
        self.state.close()
