"""HTTP routes: Slack's requests on ``POST /slack/events``, and the operations routes.

A request on ``/slack/events`` is checked before Bolt sees it, so that what a stranger sends costs neither memory
nor a traceback, and is never answered 500 (which Slack would retry):

- 405 (with ``Allow: POST``) for any other method;
- 503 while stopping, so Slack delivers the request again, to another replica or after the restart;
- 413 for a body over ``MAX_BODY_BYTES``, refused from its Content-Length before it is read (waitress is given the
  same limit, which also cuts a chunked body);
- 401 unless Slack signed it (checked on the raw bytes, before anything is parsed);
- 400 for a signed body that is not a Slack request: a JSON object with a ``type`` (events, interactions in a
  form's ``payload``) or a slash command's form.

Bolt then verifies the signature again and handles the request (a form Bolt would misread is made readable
first: ``_readable_by_bolt``). The ack time (``modelarts_triage_ack_seconds``) covers every
request past the first two checks, from reading the body to the answer.

``GET /healthz`` (the process is up; no I/O), ``GET /readyz`` (Slack reachable and state kept; 503 when
not), ``GET /metrics`` (Prometheus).
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from typing import Protocol
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.metrics import Metrics

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024
"""Largest body taken on ``/slack/events``: Slack's payloads are far smaller. Give waitress the same limit
(``max_request_body_size``); it reads a whole body before the app is called."""

log = logging.getLogger(__name__)


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
            return _json(start_response, "405 Method Not Allowed", {"error": "GET only"}, allow="GET")
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
    """WSGI app for HTTP mode: Slack's requests (checked, then handed to Bolt; acks timed) plus the operations
    routes. Bolt keeps its signing secret private and offers no getter, hence ``_signing_secret``."""
    events = SlackRequestHandler(runtime.app, path=EVENTS_PATH)
    verifier = SignatureVerifier(runtime.app._signing_secret)
    ops = ops_wsgi(runtime)

    def app(environ, start_response):
        if environ.get("PATH_INFO") != EVENTS_PATH:
            return ops(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _json(start_response, "405 Method Not Allowed", {"error": "POST only"}, allow="POST")
        if runtime.stopping.is_set():
            return _json(start_response, "503 Service Unavailable", {"error": "stopping; Slack will retry"})
        started = time.perf_counter()
        try:
            body = _slack_body(environ, verifier)
            body, signature = _readable_by_bolt(body, environ, verifier)
            checked = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            return events({**checked, "HTTP_X_SLACK_SIGNATURE": signature}, start_response)
        except _Refused as refused:
            status, reason = refused.args
            log.info("refused a request on %s: %s", EVENTS_PATH, reason)
            return _json(start_response, status, {"error": reason})
        finally:
            runtime.metrics.ack_seconds.observe(time.perf_counter() - started)

    return app


class _Refused(Exception):
    """A request answered before Bolt sees it: ``(status line, reason)``."""


def _slack_body(environ, verifier: SignatureVerifier) -> bytes:
    """The body of a request Slack signed and could have sent; raises ``_Refused`` (413, 401, 400) otherwise."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _Refused("400 Bad Request", "Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise _Refused("413 Request Entity Too Large", f"body over {MAX_BODY_BYTES} bytes")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    try:
        signed = verifier.is_valid(body, timestamp, environ.get("HTTP_X_SLACK_SIGNATURE"))
    except ValueError:  # a timestamp that is not a number, or a body that is not UTF-8 (Slack sends UTF-8)
        signed = False
    if not signed:
        raise _Refused("401 Unauthorized", "invalid request signature")
    problem = _not_slack(body.decode(), environ.get("CONTENT_TYPE") or "")
    if problem:
        raise _Refused("400 Bad Request", problem)
    return body


def _readable_by_bolt(body: bytes, environ, verifier: SignatureVerifier) -> tuple[bytes, str]:
    """The body and signature to hand to Bolt. Bolt 1.x reads any form body containing the letters ``payload``
    as an interaction and finds nothing (``/predict-check payload-svc``, a channel named ``payload-team``): such a
    form, already verified, gets the ``p`` of each ``payload`` percent-encoded (it decodes to the same values)
    and is signed again for Bolt's own check."""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if b"payload" not in body or body.startswith(b"{") or "payload" in dict(parse_qsl(body.decode())):
        return body, signature
    body = body.replace(b"payload", b"%70ayload")
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    return body, verifier.generate_signature(timestamp=timestamp, body=body)


def _not_slack(text: str, content_type: str) -> str | None:
    """Why a body is none of Slack's requests, or None. JSON or form is told apart as Bolt does (its
    ``parse_body``), so what passes here also parses there."""
    if content_type.split(";")[0] == "application/json" or text.startswith("{"):
        payload = text
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "command" in form or form.get("ssl_check") == "1":  # a slash command, or Slack checking the URL
            return None
        if "payload" not in form:
            return "a form without command or payload"
        payload = form["payload"]
    try:
        data = json.loads(payload)
    except ValueError:
        return "not JSON"
    if not isinstance(data, dict):
        return "JSON that is not an object"
    if not isinstance(data.get("type"), str):
        return "no type"
    return None


def _json(start_response, status: str, body: dict, allow: str | None = None):
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(status, [*headers, ("Allow", allow)] if allow else headers)
    return [data]
