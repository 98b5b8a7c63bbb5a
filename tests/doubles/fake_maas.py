"""Fake ModelArts Studio (MaaS) model-call gateway on 127.0.0.1: answers by API key and model like the real one.

Paths: ``POST /v1/chat/completions``, ``/v2/chat/completions``, ``/v1/infers/<uuid>/v1/chat/completions`` ("My
services") and ``GET /v1/models``. Checks run in the gateway's order:

1. ``Authorization`` missing or not ``Bearer <key>`` -> 400 ``ModelArts.81002``; a key not configured -> 401 81003.
2. The key's behaviour (``keys`` maps key -> behaviour): ``ok``; ``frozen`` -> 403 81006 (arrears);
   ``rpm-limited`` -> 429 81101 (the minute's request budget is spent); ``stream-81111`` -> HTTP 200 with one SSE
   frame carrying ``InferHub.ModelArts.81111.429`` (a CodeArts InferHub wrapper in front of MaaS).
3. The model: one in ``models`` (name -> context length) answers; one in ``inactive`` -> 403 81004 (preset
   service not activated); any other -> 404 81009. Prompt plus ``max_tokens`` beyond the context -> the vLLM
   engine's 400 ``"object": "error"`` body.
4. Success: an OpenAI-style ``chat.completion`` with ``usage``; with ``"stream": true`` a chunked
   ``text/event-stream`` of ``chat.completion.chunk`` frames ending in ``data: [DONE]``.

JSON answers carry Content-Length (connections stay alive); streams use ``Transfer-Encoding: chunked``. Every
request is kept in ``requests`` (method, path, lower-cased headers, body) so a test can see what a probe sent.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tests.doubles.loopback import LoopbackDouble, QuietHandler

BEHAVIOURS = ("ok", "frozen", "rpm-limited", "stream-81111")
MODELS = {"deepseek-v3.2": 131072, "qwen3-32b": 32768, "llama-2-7b-chat": 4096}
INACTIVE = ("deepseek-v4-pro",)
RPM = 700
ANSWER = "Hello! How can I help you today?".split(" ")  # one "token" per word

_CHAT = re.compile(r"^(?:/v[12]|/v1/infers/[0-9a-fA-F-]{36}/v1)/chat/completions$")
_MODELS = "/v1/models"
_SSE_81111 = 'data:{"text":"[DONE]","error_code":"InferHub.ModelArts.81111.429","error_msg":"Too many requests"}\n\n'


@dataclass(frozen=True)
class Request:
    """One request as received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _gateway(status: int, number: int, msg: str) -> tuple[int, dict[str, Any]]:
    return status, {"error_code": f"ModelArts.{number}", "error_msg": msg}


def _engine(status: int, message: str, kind: str = "BadRequestError") -> tuple[int, dict[str, Any]]:
    """What the vLLM OpenAI-compatible server answers once the request reached the model."""
    return status, {"object": "error", "message": message, "type": kind, "param": None, "code": status}


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """A stand-in tokenizer: 3 per message plus one per 4 characters of content, plus 3 to prime the reply."""
    return 3 + sum(3 + math.ceil(len(str(m.get("content", ""))) / 4) for m in messages if isinstance(m, dict))


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.owner._answer(Request(self.command, self.path, headers, body))
        if isinstance(answer, list):
            self._stream(answer)
            return
        status, payload = answer
        data = _dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, frames: list[str]) -> None:
        """HTTP 200 text/event-stream, one HTTP chunk per SSE frame, then the terminating empty chunk."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for frame in frames:
            data = frame.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")


class FakeMaas(LoopbackDouble):
    """A local MaaS gateway; see the module docstring. ``key(behaviour)`` gives a configured key to call with."""

    handler = _Handler
    name = "fake-maas"

    def __init__(
        self,
        keys: dict[str, str] | None = None,
        models: dict[str, int] | None = None,
        inactive: tuple[str, ...] = INACTIVE,
    ) -> None:
        super().__init__()
        # real keys are long URL-safe random strings, not sk-...
        self.keys = dict(keys) if keys is not None else {secrets.token_urlsafe(60): b for b in BEHAVIOURS}
        unknown = set(self.keys.values()) - set(BEHAVIOURS)
        if unknown:
            raise ValueError(f"unknown key behaviour {sorted(unknown)[0]!r}; known: {', '.join(BEHAVIOURS)}")
        self.models = dict(MODELS if models is None else models)
        self.inactive = tuple(inactive)
        self._requests: list[Request] = []
        self._lock = threading.Lock()

    def key(self, behaviour: str = "ok") -> str:
        return next(k for k, b in self.keys.items() if b == behaviour)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def _answer(self, req: Request) -> tuple[int, dict[str, Any]] | list[str]:
        with self._lock:
            self._requests.append(req)
        path = req.path.split("?", 1)[0]
        chat = _CHAT.match(path) is not None
        if not chat and path != _MODELS:
            return 404, {
                "error_msg": "The API does not exist or has not been published in the environment",
                "error_code": "APIG.0101",
                "request_id": uuid.uuid4().hex,
            }
        if req.method != ("POST" if chat else "GET"):
            return 405, {"detail": "Method Not Allowed"}
        auth = req.headers.get("authorization", "")
        key = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else ""
        if not key:
            return _gateway(400, 81002, "Failed to get the authorization header.")
        behaviour = self.keys.get(key)
        if behaviour is None:
            return _gateway(401, 81003, "Invalid authorization header.")
        if behaviour == "frozen":
            return _gateway(403, 81006, "The resource is frozen.")
        if not chat:
            return 200, {"object": "list", "data": [_model_card(m) for m in (*self.models, *self.inactive)]}
        try:
            body = json.loads(req.body)
            model = body.get("model")
        except (ValueError, AttributeError):
            return _gateway(400, 81001, "Invalid request body.")
        if not model:
            return _gateway(400, 81001, "Failed to format request body, model is empty.")
        if model in self.inactive:
            return _gateway(403, 81004, "Invalid request because you do not have access to it.")
        if model not in self.models:
            return _gateway(404, 81009, "Invalid model.")
        if behaviour == "rpm-limited":
            return _gateway(429, 81101, f"Too many requests, exceeded rate limit is {RPM} times per minute.")
        if behaviour == "stream-81111":
            return [_SSE_81111]
        return _complete(body, model, self.models[model])


def _model_card(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1735689600, "owned_by": "maas"}


def _complete(body: dict[str, Any], model: str, context: int) -> tuple[int, dict[str, Any]] | list[str]:
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    prompt = prompt_tokens(messages)
    limit = body.get("max_tokens")
    if isinstance(limit, int) and prompt + limit > context:
        return _engine(
            400,
            f"This model's maximum context length is {context} tokens. However, you requested {prompt + limit} "
            f"tokens ({prompt} in the messages, {limit} in the completion). "
            "Please reduce the length of the messages or completion.",
        )
    words = ANSWER[: limit if isinstance(limit, int) and limit > 0 else len(ANSWER)]
    finish = "length" if len(words) < len(ANSWER) else "stop"
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": model}
    if not body.get("stream"):
        message = {"role": "assistant", "content": " ".join(words)}
        usage = {"prompt_tokens": prompt, "completion_tokens": len(words), "total_tokens": prompt + len(words)}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
        return 200, {**head, "object": "chat.completion", "choices": [choice], "usage": usage}
    deltas = [{"role": "assistant", "content": ""}] + [{"content": (" " if i else "") + w} for i, w in enumerate(words)]
    chunks = [(delta, None) for delta in deltas] + [({}, finish)]
    frames = [
        {**head, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d, "finish_reason": f}]}
        for d, f in chunks
    ]
    return [f"data: {_dumps(frame)}\n\n" for frame in frames] + ["data: [DONE]\n\n"]
