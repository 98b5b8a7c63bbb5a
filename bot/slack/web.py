"""HTTP transport: a WSGI app serving ``POST /slack/events`` and the health check.

``python -m bot serve --http`` runs it under gunicorn (one process, many threads: the dedup state
and the reply pool live in that process); the Socket Mode worker serves the same health routes on
``$HEALTH_PORT``.
"""

from __future__ import annotations

import json

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"


def health_app():
    """WSGI app answering ``GET /healthz`` (process up); 404 for anything else."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET" and path == "/healthz":
            return _json(start_response, "200 OK", {"ok": True})
        return _json(start_response, "404 Not Found", {"ok": False, "error": "not found"})

    return app


def slack_wsgi(bolt_app: App):
    """WSGI app for HTTP mode: Slack's requests on ``/slack/events``, health on ``/healthz``."""
    events = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
    health = health_app()

    def app(environ, start_response):
        if environ.get("PATH_INFO") == EVENTS_PATH:
            return events(environ, start_response)
        return health(environ, start_response)

    return app


def _json(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
