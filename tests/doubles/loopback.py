"""The HTTP plumbing shared by the test doubles: a threaded server on 127.0.0.1 that stops cleanly.

It tracks open connections so ``stop()`` can wake handler threads parked on idle keep-alive
sockets, uses a large listen backlog so bursts of parallel clients do not stall, and keeps quiet
about peers hanging up.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 makes bursts of parallel clients stall on SYN retries

    def __init__(self, owner: Any, handler: type[BaseHTTPRequestHandler]) -> None:
        self.owner = owner
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # peers hanging up are routine; real bugs still print
            super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """Keep-alive (every answer must carry Content-Length), tracked connections, no access log."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections do not pin a thread forever
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackDouble:
    """start()/stop()/context manager around a ``LoopbackServer``; subclasses set ``handler`` and ``name``."""

    handler: type[QuietHandler]
    name = "double"

    def __init__(self) -> None:
        self.base = ""
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    def start(self):
        if self._server is None:
            self._server = LoopbackServer(self, self.handler)
            host, port = self._server.server_address[:2]
            self.base = f"http://{host}:{port}"
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with server.sockets_lock:
            open_sockets = list(server.open_sockets)
        for sock in open_sockets:  # wake handler threads parked on idle keep-alive connections
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
