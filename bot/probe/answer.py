"""What a probe's answer means beyond its status: an error inside an HTTP 200, and notes for the reader."""

from __future__ import annotations

import json

from bot.probe.result import Target


def embedded_error(body: bytes) -> bool:
    """Does a 2xx body carry an error: an SSE ``data:`` frame or a JSON object with ``error`` / ``error_code``?

    MaaS relays and wrappers answer HTTP 200 and put the failure inside the stream.
    """
    text = body.decode("utf-8", "replace")
    for raw in [text.strip(), *text.splitlines()]:  # the whole body (pretty-printed JSON), then each SSE line
        line = raw.strip()
        if line.startswith("data:"):
            line = line[5:].strip()
        if not line.startswith("{"):
            continue
        try:
            frame = json.loads(line)
        except ValueError:
            continue
        if isinstance(frame, dict) and (
            frame.get("error") or frame.get("error_code") or frame.get("object") == "error"
        ):
            return True
    return False


def notes(target: Target, diagnosis) -> tuple[str, ...]:
    """What the result means beyond its verdict, where the matcher's answer alone would mislead."""
    best = diagnosis.best if diagnosis else None
    if best and best.playbook.code == "ModelArts.81002" and target.auth.get("type", "none") == "none":
        return (
            "The MaaS gateway is reachable and answered (so DNS and the connection work); it refused only because "
            "this probe sent no API key. Register the service with `auth: {type: api_key, key_env: ...}` to "
            "test the key and the model too.",
        )
    return ()
