"""Mock Slack Socket Mode WebSocket endpoint (aiohttp, own thread and loop) that pushes envelopes and records acks."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

HELLO: dict[str, Any] = {
    "type": "hello",
    "num_connections": 1,
    "connection_info": {"app_id": "A1"},
    "debug_info": {"host": "mock"},
}


def _envelope(kind: str, payload: dict[str, Any], envelope_id: str | None, accepts_response: bool) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "type": kind,
        "accepts_response_payload": accepts_response,
        "payload": payload,
    }


class MockSocketModeServer:
    """Serves ws://127.0.0.1:PORT/link; give its `url` to MockSlackAPI.ws_url so apps.connections.open hands it out."""

    def __init__(self, nudge_interval: float | None = 0.2) -> None:
        # slack_sdk's built-in client holds its receive lock across a blocking recv() (3s timeout on plain sockets),
        # so close() stalls until a frame arrives. Unsolicited pongs (legal in RFC 6455) every nudge_interval keep
        # that short; they carry a payload because the client blocks for more bytes after a bare 2-byte frame.
        self.nudge_interval = nudge_interval
        self.hello: dict[str, Any] = dict(HELLO)
        self.url = ""
        self.total_connects = 0
        self._acks: list[dict[str, Any]] = []
        self._clients: set[web.WebSocketResponse] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> MockSocketModeServer:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link"
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # surfaced to start()'s caller below
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="mock-socket-mode", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("mock Socket Mode server did not start within 10s")
        if failure:
            self._thread = self._loop = None
            raise RuntimeError("mock Socket Mode server failed to start") from failure[0]
        return self

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application()
        app.router.add_get("/link", self._websocket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = None

    async def _shutdown(self) -> None:
        await self._close_all(WSCloseCode.GOING_AWAY)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def __enter__(self) -> MockSocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- websocket endpoint

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, timeout=2.0)
        await ws.prepare(request)
        await ws.send_str(json.dumps(self.hello))
        with self._lock:
            self._clients.add(ws)
            self.total_connects += 1
        nudger = asyncio.create_task(self._nudge(ws)) if self.nudge_interval else None
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._record(msg.data)
        finally:
            if nudger is not None:
                nudger.cancel()
            with self._lock:
                self._clients.discard(ws)
        return ws

    async def _nudge(self, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(self.nudge_interval or 0.2)
            try:
                await ws.pong(b"nudge")
            except (ConnectionError, RuntimeError):
                return

    def _record(self, text: str) -> None:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        ack = parsed if isinstance(parsed, dict) else {"raw": text}
        with self._lock:
            self._acks.append(ack)

    async def _broadcast(self, text: str) -> int:
        with self._lock:
            clients = [ws for ws in self._clients if not ws.closed]
        sent = 0
        for ws in clients:
            try:
                await ws.send_str(text)
            except ConnectionError:
                continue
            sent += 1
        return sent

    async def _close_all(self, code: int) -> None:
        with self._lock:
            clients = list(self._clients)
        await asyncio.gather(*(ws.close(code=code) for ws in clients), return_exceptions=True)

    # ----------------------------------------------------------------- test-facing API

    @property
    def connections(self) -> int:
        with self._lock:
            return sum(1 for ws in self._clients if not ws.closed)

    @property
    def acks(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._acks)

    def send(self, envelope: dict[str, Any], timeout: float = 5.0) -> int:
        """Send a JSON envelope to every connected client; returns how many clients got it."""
        if self._loop is None:
            raise RuntimeError("mock Socket Mode server is not running")
        future = asyncio.run_coroutine_threadsafe(self._broadcast(json.dumps(envelope)), self._loop)
        return future.result(timeout=timeout)

    def close_connections(self, code: int = WSCloseCode.GOING_AWAY, timeout: float = 5.0) -> None:
        """Close every client connection from the server side (e.g. to exercise reconnects)."""
        if self._loop is None:
            raise RuntimeError("mock Socket Mode server is not running")
        asyncio.run_coroutine_threadsafe(self._close_all(code), self._loop).result(timeout=timeout)

    def wait_connected(self, timeout: float = 5.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.connections < count:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} Socket Mode connection(s) within {timeout}s, have {self.connections} "
                    f"(total connects so far: {self.total_connects}; url {self.url})"
                )
            time.sleep(0.02)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for ack in self.acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            if time.monotonic() >= deadline:
                seen = [a.get("envelope_id") for a in self.acks]
                raise AssertionError(f"no ack for envelope {envelope_id!r} within {timeout}s; acked so far: {seen}")
            time.sleep(0.02)

    # ----------------------------------------------------------------- envelope builders

    @staticmethod
    def events_api_envelope(
        event_payload: dict[str, Any], envelope_id: str | None = None, retry_attempt: int = 0, retry_reason: str = ""
    ) -> dict[str, Any]:
        envelope = _envelope("events_api", event_payload, envelope_id, accepts_response=False)
        envelope["retry_attempt"] = retry_attempt
        envelope["retry_reason"] = retry_reason
        return envelope

    @staticmethod
    def slash_command_envelope(payload: dict[str, Any], envelope_id: str | None = None) -> dict[str, Any]:
        return _envelope("slash_commands", payload, envelope_id, accepts_response=True)

    @staticmethod
    def interactive_envelope(payload: dict[str, Any], envelope_id: str | None = None) -> dict[str, Any]:
        return _envelope("interactive", payload, envelope_id, accepts_response=True)
