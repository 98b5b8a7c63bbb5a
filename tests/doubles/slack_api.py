"""Mock Slack Web API on a real local HTTP socket: records every call and answers like Slack, with scriptable failures."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.doubles.loopback import LoopbackDouble, QuietHandler

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"

AUTH_TEST = {
    "ok": True,
    "url": "https://test.slack.com/",
    "team": "Test",
    "user": "triage",
    "team_id": "T1",
    "user_id": "UBOT",
    "bot_id": "BBOT",
}


@dataclass
class Call:
    """One request received by the mock; `body` merges query-string and form/JSON fields; `status` and `answer`
    are what the mock answered (`answer` is the decoded JSON, None for other answers)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    at: float
    verb: str = "POST"
    status: int | None = None
    answer: Any = None

    def json(self, key: str) -> Any:
        """Return body[key] json-decoded when it is a string (form posts carry `blocks` etc. as JSON text)."""
        value = self.body[key]
        return json.loads(value) if isinstance(value, str | bytes) else value

    @property
    def token(self) -> str | None:
        """The token the caller sent, from the Authorization header or a `token` field."""
        return _token_of(self.headers, self.body)


@dataclass
class Scripted:
    """A canned answer for one call. `body=None` means: the method's default answer, with this status/headers/delay."""

    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0
    drop: bool = False
    """Carry the call out (a post is posted), then close the connection without answering."""

    @classmethod
    def rate_limited(cls, retry_after: int = 0) -> Scripted:
        return cls(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})

    @classmethod
    def server_error(cls, status: int = 500) -> Scripted:
        return cls(status, {"ok": False, "error": "internal_error"})

    @classmethod
    def not_ok(cls, error: str, **extra: Any) -> Scripted:
        return cls(200, {"ok": False, "error": error, **extra})

    @classmethod
    def dropped(cls) -> Scripted:
        """Slack did it, but the connection broke before the answer came back."""
        return cls(drop=True)


def _token_of(headers: dict[str, str], body: dict[str, Any]) -> str | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    token = body.get("token")
    return token if isinstance(token, str) else None


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            value = json.loads(text)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    if "multipart/" in content_type:
        return {}  # file uploads: inspect Call.raw
    return _parse_form(text)


def _parse_form(text: str) -> dict[str, Any]:
    parsed = parse_qs(text, keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


class _Handler(QuietHandler):
    def _dispatch(self) -> None:
        try:
            self.server.owner._handle(self)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def reply(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        extra = {k.lower(): (k, v) for k, v in (headers or {}).items()}
        if "content-type" not in extra:
            self.send_header("Content-Type", content_type)
        for lower, (name, value) in extra.items():
            if lower != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)


class MockSlackAPI(LoopbackDouble):
    """A local stand-in for https://slack.com/api/ that records calls; point `WebClient(base_url=api.url)` at it."""

    valid_token_prefixes: tuple[str, ...] = ("xoxb-", "xapp-")
    handler = _Handler
    name = "mock-slack-api"

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[str, bytes, str]] = {}
        self.delay: dict[str, float] = {}
        self.ws_url: str | None = None
        self.url = ""
        self._calls: list[Call] = []
        self._scripts: dict[str, deque[Scripted]] = {}
        self._lock = threading.Lock()
        self._ts_counter = 0
        self.messages: list[dict[str, Any]] = []
        """Every message posted, as conversations.history would show it (metadata included)."""

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> MockSlackAPI:
        super().start()
        self.url = self.base + "/api/"
        return self

    # ----------------------------------------------------------------- recording

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"expected at least {count} call(s) to {method!r} within {timeout}s, got {len(found)}; "
                    f"all calls so far ({len(seen)}): {seen}"
                )
            time.sleep(0.02)

    def reset(self) -> None:
        """Forget every call, script, file and delay (the ws_url stays)."""
        with self._lock:
            self._calls.clear()
            self._scripts.clear()
            self.messages.clear()
            self.files.clear()
            self.delay.clear()

    # ----------------------------------------------------------------- setup helpers

    def script(self, method: str, *responses: Scripted) -> None:
        """Queue answers for the next calls to `method` (in order); defaults resume once they are used up."""
        with self._lock:
            self._scripts.setdefault(method, deque()).extend(responses)

    def add_file(self, file_id: str, name: str, content: bytes, mimetype: str = "text/plain") -> None:
        self.files[file_id] = (name, content, mimetype)

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    def next_ts(self) -> str:
        with self._lock:
            self._ts_counter += 1
            micros = 1_700_000_000_000_000 + self._ts_counter * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ----------------------------------------------------------------- request handling

    def _handle(self, req: _Handler) -> None:
        arrived = time.monotonic()
        raw = req.read_body()
        split = urlsplit(req.path)
        path = unquote(split.path)
        headers = {k.lower(): v for k, v in req.headers.items()}
        body = _parse_form(split.query) if split.query else {}
        body.update(_parse_body(headers.get("content-type", ""), raw))
        method = path[len("/api/") :] if path.startswith("/api/") else path.lstrip("/")
        call = Call(method=method, path=path, headers=headers, body=body, raw=raw, at=arrived, verb=req.command)
        with self._lock:
            self._calls.append(call)
            queue = self._scripts.get(method)
            scripted = queue.popleft() if queue else None

        delay = self.delay.get(method, 0) + (scripted.delay if scripted else 0)
        if delay > 0:
            time.sleep(delay)

        if scripted is not None and scripted.body is not None:
            call.status, call.answer = scripted.status, None if isinstance(scripted.body, str) else scripted.body
            if isinstance(scripted.body, str):
                req.reply(scripted.status, scripted.body.encode("utf-8"), TEXT_CONTENT_TYPE, scripted.headers)
            else:
                req.reply(scripted.status, json.dumps(scripted.body).encode(), JSON_CONTENT_TYPE, scripted.headers)
            return

        status, payload, content_type = self._default_answer(call)
        if scripted is not None and scripted.drop:
            call.status, call.answer = 0, json.loads(payload) if content_type == JSON_CONTENT_TYPE else None
            req.close_connection = True
            req.connection.shutdown(2)  # SHUT_RDWR: the client sees the connection closed with no answer
            return
        if scripted is not None:
            status = scripted.status
        call.status, call.answer = status, json.loads(payload) if content_type == JSON_CONTENT_TYPE else None
        req.reply(status, payload, content_type, scripted.headers if scripted else None)

    def _default_answer(self, call: Call) -> tuple[int, bytes, str]:
        if call.path.startswith("/files/"):
            return self._download(call)
        if not call.path.startswith("/api/"):
            return 200, b"ok", TEXT_CONTENT_TYPE
        answer = self._api_answer(call)
        return 200, json.dumps(answer).encode(), JSON_CONTENT_TYPE

    def _download(self, call: Call) -> tuple[int, bytes, str]:
        auth = call.headers.get("authorization", "")
        if not auth.lower().startswith("bearer xoxb-"):
            return 403, b"forbidden", TEXT_CONTENT_TYPE
        entry = self.files.get(call.path[len("/files/") :])
        if entry is None:
            return 404, b"not found", TEXT_CONTENT_TYPE
        _name, content, mimetype = entry
        return 200, content, mimetype

    def _api_answer(self, call: Call) -> dict[str, Any]:
        method, body = call.method, call.body
        token = call.token
        if method != "api.test" and not (token and token.startswith(self.valid_token_prefixes)):
            return {"ok": False, "error": "invalid_auth"}

        if method == "auth.test":
            return dict(AUTH_TEST)
        if method == "chat.postMessage":
            ts = self.next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": "UBOT",
                "bot_id": "BBOT",
                "text": body.get("text"),
                "ts": ts,
            }
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            if body.get("metadata"):
                message["metadata"] = call.json("metadata")
            with self._lock:
                self.messages.append({**message, "channel": body.get("channel")})
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}
        if method == "conversations.replies":
            return self._replies(body)
        if method == "chat.update":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method == "files.info":
            return self._file_info(str(body.get("file", "")))
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            if not self.ws_url:
                return {"ok": False, "error": "mock_ws_url_not_set"}
            return {"ok": True, "url": self.ws_url}
        if method == "api.test":
            return {"ok": True, "args": {k: v for k, v in body.items() if k != "token"}}
        return {"ok": True}

    def _replies(self, body: dict[str, Any]) -> dict[str, Any]:
        """A thread's messages (the bot's posts in it); metadata only when asked for, as Slack does."""
        channel, ts = body.get("channel"), str(body.get("ts"))
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [m for m in self.messages if m["channel"] == channel and ts in (m.get("thread_ts"), m["ts"])]
        shown = [{k: v for k, v in m.items() if k != "channel" and (with_metadata or k != "metadata")} for m in found]
        return {"ok": True, "messages": shown, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _file_info(self, file_id: str) -> dict[str, Any]:
        entry = self.files.get(file_id)
        if entry is None:
            return {"ok": False, "error": "file_not_found"}
        name, content, mimetype = entry
        url = f"{self.base}/files/{file_id}"
        return {
            "ok": True,
            "file": {
                "id": file_id,
                "name": name,
                "mimetype": mimetype,
                "filetype": "text",
                "size": len(content),
                "url_private": url,
                "url_private_download": url,
            },
        }
