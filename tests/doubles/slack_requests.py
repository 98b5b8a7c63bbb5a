"""Signed Slack requests (events, slash commands, button clicks): the bodies, their signatures, and posting them
over real sockets (``tests/slack_chat.py`` hands the same bodies to the app in process)."""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass

import requests
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
_ids = itertools.count(1)


@dataclass
class Sent:
    status: int
    headers: dict
    body: str
    elapsed: float


def signed_headers(body: str, content_type: str, secret: str = SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def event_body(event: dict, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
    )


def message_event(text: str, ts: str | None = None, channel: str = "C1", user: str = "U1", **extra) -> dict:
    # a range no test writes by hand: a counted ts must never equal one a test gave ("1700000102.000100")
    ts = ts or f"1690{next(_ids):06d}.000100"
    return {"type": "message", "channel": channel, "channel_type": "channel", "user": user, "text": text, "ts": ts,
            "event_ts": ts, **extra}  # fmt: skip


def post(url: str, body: str, headers: dict, timeout: float = 10) -> Sent:
    started = time.perf_counter()
    answer = requests.post(url, data=body.encode(), headers=headers, timeout=timeout)
    return Sent(answer.status_code, dict(answer.headers), answer.text, time.perf_counter() - started)


def post_event(url: str, event: dict, event_id: str | None = None, retry: int | None = None, **kw) -> Sent:
    body = event_body(event, event_id)
    headers = signed_headers(body, "application/json", **kw)
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return post(url, body, headers)


def block_actions(user: str, channel: str, message: dict, action: dict, response_url: str) -> dict:
    """A button click's payload, as Slack sends it."""
    return {"type": "block_actions", "user": {"id": user}, "team": {"id": "T1"}, "api_app_id": "A1",
            "channel": {"id": channel}, "container": {"type": "message", "message_ts": message["ts"],
            "channel_id": channel}, "message": message, "actions": [{"type": "button", **action}],
            "trigger_id": f"1.{next(_ids)}.x", "response_url": response_url}  # fmt: skip


def action_body(payload: dict) -> str:
    return "payload=" + urllib.parse.quote(json.dumps(payload))


def command_body(
    command: str, text: str, response_url: str, user: str = "U1", channel: str = "C1", trigger: str = ""
) -> str:
    """A slash command's form; each gets its own ``trigger_id`` unless ``trigger`` repeats one."""
    trigger = trigger or f"13345224609.{next(_ids)}.8088930838d88f008e0"
    return urllib.parse.urlencode(
        {"command": command, "text": text, "user_id": user, "user_name": "dev", "channel_id": channel,
         "team_id": "T1", "response_url": response_url, "trigger_id": trigger}
    )  # fmt: skip


def post_action(url: str, payload: dict) -> Sent:
    body = action_body(payload)
    return post(url, body, signed_headers(body, FORM))


def post_command(
    url: str, command: str, text: str, response_url: str, user: str = "U1", channel: str = "C1", trigger: str = ""
) -> Sent:
    """A signed slash command; each gets its own ``trigger_id`` unless ``trigger`` repeats one."""
    body = command_body(command, text, response_url, user, channel, trigger)
    return post(url, body, signed_headers(body, FORM))
