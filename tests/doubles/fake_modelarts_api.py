"""Fake ModelArts management API on a real local HTTP socket: service details and events, as the vendor SDK asks."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.doubles.loopback import LoopbackDouble, QuietHandler

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


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        status, body = self.server.owner._answer(self)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "fake-request-id")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class FakeModelArtsAPI(LoopbackDouble):
    """A local stand-in for https://modelarts.<region>.myhuaweicloud.com; point the SDK's endpoint at `base`.

    `services` maps a service id to its detail fields as the API returns them (`name`, `status` such as
    "RUNNING"/"STOPPED"/"FAILED"/"CONCERNING", `failure_reason`, ...) plus an `events` list of event dicts
    (`event_type` NORMAL/ABNORMAL/WARNING, `event_info`, `update_at` in epoch ms, ...); missing fields get defaults.
    `fail_with = (status, body)` makes every request answer that instead, `fail_events_with` just the events
    requests; `delay_s` holds every answer back.
    """

    handler = _Handler
    name = "fake-modelarts"

    def __init__(self, services: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.services: dict[str, dict[str, Any]] = dict(services or {})
        self.fail_with: tuple[int, dict[str, Any]] | None = None
        self.fail_events_with: tuple[int, dict[str, Any]] | None = None
        self.delay_s = 0.0
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> FakeModelArtsAPI:
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        self._stopping.set()  # release answers held back by delay_s
        super().stop()

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
