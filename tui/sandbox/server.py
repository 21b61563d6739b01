"""SandboxServer: the sandbox on a loopback port, served by uvicorn in a daemon thread.

The thread owns its own event loop, so the server runs beside a Textual app or
inside pytest without sharing their loop.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import time
from types import TracebackType

import uvicorn

from tui.engines.protocol import Engine
from tui.sandbox.faults import FaultConfig
from tui.sandbox.multipart import UploadLimits


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SandboxServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        speed: float = 1.0,
        faults: str | None = None,
        state_path: str | None = None,
        allow_public: bool = False,
        engine: Engine | None = None,
        limits: UploadLimits | None = None,
    ) -> None:
        if not is_loopback(host) and not allow_public:
            raise ValueError(
                f"refusing to serve the sandbox on non-loopback address {host!r}; "
                "pass allow_public=True (--allow-public) if you really mean it"
            )
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.host = host
        self.port = port
        self.api_key = api_key or f"sk-sandbox-{secrets.token_urlsafe(24)}"
        self.speed = speed
        self.fault_config = FaultConfig.parse(faults)  # bad specs fail here, not in the thread
        self.state_path = state_path
        self.engine = engine  # None: the sandbox's deterministic engine
        self.limits = limits  # None: OpenAI's (512 MB a file, 64 MB a part, 8 GB an upload)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def root_url(self) -> str:
        """The server without a dialect's path: `{root}/together`, `{root}/openai/v1`…"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def start(self, timeout: float = 15.0) -> None:
        """Bind, start serving in a daemon thread, and return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("sandbox server already started")
        from tui.sandbox.asgi import build_app
        from tui.sandbox.service import Sandbox

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
        # and without it every answer (head, then body) waited ~40 ms on delayed ACKs.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        sandbox = Sandbox(api_key=self.api_key, speed=self.speed, faults=self.fault_config,
                          state_path=self.state_path, engine=self.engine, limits=self.limits)
        config = uvicorn.Config(
            build_app(sandbox), log_level="warning", access_log=False, lifespan="on",
            timeout_graceful_shutdown=2, ws="none",
            # Named, not "auto": the parser decides how malformed requests are answered, and
            # h11 cost ~0.3 ms of CPU a request more (bench/NOTES.md, the eval runner).
            http="httptools",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="tunedeck-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server failed to start (see the log above)")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the sandbox server did not start within {timeout}s")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
