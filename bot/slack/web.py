"""HTTP routes: Slack's requests on ``POST /slack/events``, and the operations routes.

``GET /healthz`` (the process is up; no I/O), ``GET /readyz`` (Slack reachable and state kept; 503 when
not), ``GET /metrics`` (Prometheus). While stopping, new Slack requests get 503 so Slack delivers
them again, to another replica or after the restart.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Protocol

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.metrics import Metrics

EVENTS_PATH = "/slack/events"


class Health(Protocol):
    """What the routes need to know about the running bot."""

    app: App
    metrics: Metrics
    stopping: threading.Event

    def ready(self) -> tuple[bool, dict]:
        """Whether to take traffic, with the details (I/O allowed)."""

    def liveness(self) -> dict:
        """That the process answers, without any I/O."""


def ops_wsgi(runtime: Health):
    """WSGI app for ``/healthz``, ``/readyz`` and ``/metrics``; 404 for anything else."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET":
            return _json(start_response, "405 Method Not Allowed", {"error": "GET only"})
        if path == "/healthz":
            return _json(start_response, "200 OK", runtime.liveness())
        if path == "/readyz":
            ok, detail = runtime.ready()
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", detail)
        if path == "/metrics":
            body, content_type = runtime.metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return app


def slack_wsgi(runtime: Health):
    """WSGI app for HTTP mode: Slack's requests (acks timed) plus the operations routes."""
    events = SlackRequestHandler(runtime.app, path=EVENTS_PATH)
    ops = ops_wsgi(runtime)

    def app(environ, start_response):
        if environ.get("PATH_INFO") != EVENTS_PATH:
            return ops(environ, start_response)
        if runtime.stopping.is_set():
            return _json(start_response, "503 Service Unavailable", {"error": "stopping; Slack will retry"})
        started = time.perf_counter()
        try:
            return events(environ, start_response)
        finally:
            runtime.metrics.ack_seconds.observe(time.perf_counter() - started)

    return app


def _json(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
