"""Fake ModelArts management API on a real local HTTP socket: service details and events, as the vendor SDK asks."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# GET /v2/{project_id}/services/{service_id} (ShowInferService) and .../events (ListInferServiceEvents).
_PATH = re.compile(r"^/v2/(?P<project>[^/]+)/services/(?P<service>[^/]+)(?P<events>/events)?$")
_AUTH = re.compile(r"^SDK-HMAC-SHA256 Access=[^,\s]+, SignedHeaders=[^,\s]+, Signature=[0-9a-f]{64}$")


@dataclass(frozen=True)
class Request:
    """One request the fake received; `query` keeps only the first value of each parameter."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeModelArtsAPI

    def __init__(self, api: FakeModelArtsAPI) -> None:
        self.api = api
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # clients giving up (timeouts) are routine
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server: _Server

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

    def do_GET(self) -> None:
        status, body = self.server.api._answer(self)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "fake-request-id")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class FakeModelArtsAPI:
    """A local stand-in for https://modelarts.<region>.myhuaweicloud.com; point the SDK's endpoint at `base`.

    `services` maps a service id to its detail fields as the API returns them (`name`, `status` such as
    "RUNNING"/"STOPPED"/"FAILED"/"CONCERNING", `failure_reason`, ...) plus an `events` list of event dicts
    (`event_type` NORMAL/ABNORMAL/WARNING, `event_info`, `update_at` in epoch ms, ...); missing fields get defaults.
    `fail_with = (status, body)` makes every request answer that instead, `fail_events_with` just the events
    requests; `delay_s` holds every answer back.
    """

    def __init__(self, services: dict[str, dict[str, Any]] | None = None) -> None:
        self.services: dict[str, dict[str, Any]] = dict(services or {})
        self.fail_with: tuple[int, dict[str, Any]] | None = None
        self.fail_events_with: tuple[int, dict[str, Any]] | None = None
        self.delay_s = 0.0
        self.base = ""
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeModelArtsAPI:
        if self._server is None:
            self._stopping.clear()
            self._server = _Server(self)
            host, port = self._server.server_address[:2]
            self.base = f"http://{host}:{port}"
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-modelarts", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # release answers held back by delay_s
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

    def __enter__(self) -> FakeModelArtsAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def _answer(self, req: _Handler) -> tuple[int, dict[str, Any]]:
        url = urlsplit(req.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        with self._lock:
            self._requests.append(Request(req.command, url.path, query, dict(req.headers.items())))
        if self.delay_s:
            self._stopping.wait(self.delay_s)
        if not _AUTH.match(req.headers.get("Authorization", "")) or not req.headers.get("X-Sdk-Date"):
            return 401, {"error_code": "APIG.1002", "error_msg": "Incorrect authentication information: ak/sk"}
        if self.fail_with is not None:
            return self.fail_with
        match = _PATH.match(url.path)
        if match is None:
            return 404, {"error_code": "APIG.0101", "error_msg": "The API does not exist or has not been published"}
        service_id = match["service"]
        service = self.services.get(service_id)
        if service is None:
            return 404, {"error_code": "ModelArts.3502", "error_msg": f"Service {service_id} not found"}
        if match["events"] and self.fail_events_with is not None:
            return self.fail_events_with
        if match["events"]:
            return 200, _event_page(service_id, service.get("events", []), query)
        return 200, _detail(service_id, service)


def _detail(service_id: str, service: dict[str, Any]) -> dict[str, Any]:
    detail = {
        "id": service_id,
        "name": f"service-{service_id[:8]}",
        "workspace_id": "0",
        "type": "REAL_TIME",
        "deploy_type": "SINGLE",
        "status": "RUNNING",
        "predict_url": [{"type": "APIG", "urls": [f"https://infer.example.com/v1/infers/{service_id}"]}],
        "deploy_timeout_minutes": 30,
        "create_at": "1716000000000",
        "update_at": "1716003600000",
    }
    detail.update({k: v for k, v in service.items() if k != "events"})
    return detail


def _event_page(service_id: str, events: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    full = [
        {
            "id": f"event-{i}",
            "service_id": service_id,
            "service_version_id": "version-1",
            "event_count": 1,
            "event_type": "NORMAL",
            "event_info": "",
            "create_at": event.get("update_at", 1716000000000),
            **event,
        }
        for i, event in enumerate(events)
    ]
    key = query.get("sort_key", "update_at")
    full.sort(key=lambda e: e.get(key, 0), reverse=query.get("sort_dir", "DESC").upper() == "DESC")
    limit, offset = int(query.get("limit", 10)), int(query.get("offset", 0))
    pages = -(-len(full) // limit)
    return {
        "current": offset // limit,
        "pages": pages,
        "size": limit,
        "total": len(full),
        "data": full[offset:][:limit],
    }
