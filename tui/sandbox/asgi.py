"""The Starlette app: `/v1` routes behind auth and fault injection."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.sandbox.dialects import AZURE, UNAUTHENTICATED, dialect_of_path
from tui.sandbox.errors import APIError
from tui.sandbox.faults import HEADER
from tui.sandbox.service import Sandbox


class DroppedConnection(Exception):
    """Raised mid-response on purpose: the server closes the socket without finishing."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


class Gatekeeper:
    """Pure ASGI (no buffering, so streams stream): auth first, then injected faults."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        dialect = dialect_of_path(path)
        if dialect is None or path.startswith(UNAUTHENTICATED):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        # Azure's data plane takes its key in `api-key` (or a bearer token); every other
        # dialect, and Azure's management API (an Entra token there), a bearer token.
        azure_key = headers.get("api-key") if dialect == AZURE \
            and not path.startswith("/azure-management") else None
        error = None if azure_key is not None and hmac.compare_digest(
            azure_key.encode(), self.sandbox.api_key.encode()) \
            else self._auth(headers.get("authorization"))
        if error is not None:
            await error.response()(scope, receive, send)
            return
        faults = self.sandbox.faults.decide(headers.get(HEADER))
        state = scope.setdefault("state", {})
        state["fail_job"] = faults.fail_job
        state["training_not_available"] = faults.training_not_available
        state["dialect"] = dialect
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if faults.status == 429:
            wait = self.sandbox.faults.config.retry_after
            error = APIError(429, "Rate limit reached for requests (sandbox fault injection). "
                             f"Please try again in {wait:g}s.", code="rate_limit_exceeded",
                             headers={"retry-after": str(max(0, round(wait))),
                                      "retry-after-ms": str(int(wait * 1000))})
        elif faults.status == 500:
            error = APIError(500, "The server had an error while processing your request "
                             "(sandbox fault injection).", code="server_error")
        if error is not None:
            await error.response()(scope, receive, send)
            return
        await self.app(scope, receive, _dropping(send) if faults.drop else send)

    def _auth(self, header: str | None) -> APIError | None:
        if not header or not header.lower().startswith("bearer "):
            return APIError(401, "You didn't provide an API key. You need to provide your API key "
                            "in an Authorization header using Bearer auth "
                            "(i.e. Authorization: Bearer YOUR_KEY).", code="missing_api_key")
        given = header[7:].strip()
        if not hmac.compare_digest(given.encode(), self.sandbox.api_key.encode()):
            shown = f"{given[:3]}…{given[-4:]}" if len(given) > 8 else "***"
            return APIError(401, f"Incorrect API key provided: {shown}. This sandbox prints its "
                            "key at start.", code="invalid_api_key")
        return None


# A dropped stream still delivers its first events (the role chunk and some text), so
# clients can show that partial output survives; a plain response loses its second half.
_STREAM_MESSAGES_BEFORE_DROP = 3


def _dropping(send: Send) -> Send:
    """Let the head and the first part of the body through, then kill the connection."""
    seen = 0

    async def wrapped(message: Message) -> None:
        nonlocal seen
        if message["type"] != "http.response.body":
            await send(message)
            return
        seen += 1
        chunk = message.get("body", b"")
        if message.get("more_body") and seen <= _STREAM_MESSAGES_BEFORE_DROP:
            await send(message)
            return
        if len(chunk) > 1:
            await send({"type": "http.response.body", "body": chunk[: len(chunk) // 2], "more_body": True})
        raise DroppedConnection("sandbox fault injection: connection dropped")

    return wrapped


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return APIError(404, f"Invalid URL ({request.method} {request.url.path})").response()
    if exc.status_code == 405:
        return APIError(405, f"Method {request.method} not allowed for {request.url.path}").response()
    return APIError(exc.status_code, str(exc.detail)).response()


log = logging.getLogger("tunedeck.sandbox")
SERVER_ERROR = "The sandbox failed on this request; the details are in its log."


class ContainErrors:
    """An exception no handler expected answers a plain 500; its text goes to the log only.

    Inside Starlette's error middleware, which would answer with the exception's
    class and text (paths, data, whatever it held) and then re-raise it, which
    closed the client's keep-alive connection. A response already under way (a
    stream) cannot be answered any more: the exception then ends the connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if isinstance(exc, DroppedConnection) or started:
                raise
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            await APIError(500, SERVER_ERROR, code="server_error").response()(scope, receive, send)


def build_app(sandbox: Sandbox) -> ASGIApp:
    from tui.sandbox.dialects import azure, fireworks, together
    from tui.sandbox.routes import all_routes, dialect_routes, resumers

    sandbox.resumers.extend(resumers())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sandbox.startup()
        yield
        await sandbox.shutdown()

    async def root(request: Request) -> Response:
        return Response("tunedeck sandbox: an OpenAI-compatible API on loopback; use /v1 "
                        "(also /openai/v1, /bedrock/v1, /together, /fireworks)\n")

    routes: list[Any] = [
        Route("/", root), Mount("/v1", routes=all_routes()),
        # Other providers' APIs, on the same engine and state (tui.sandbox.dialects).
        Mount("/openai/v1", routes=dialect_routes()),
        Mount("/bedrock/v1", routes=dialect_routes()),
        Mount("/azure-management", routes=azure.ARM_ROUTES),
        Mount("/together", routes=together.ROUTES),
        Mount("/fireworks", routes=fireworks.ROUTES),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(ContainErrors)],
        exception_handlers={APIError: _api_error, HTTPException: _http_error},
    )
    app.state.sandbox = sandbox
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    return Gatekeeper(app, sandbox)
