"""The edges of ``/slack/events`` over real sockets: bodies too big to read, requests Slack did not sign or could
not have sent, and methods other than POST. None of them may cost memory, be answered 500 (Slack retries a 500)
or log a traceback; Slack's own requests still get through."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import select
import socket
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from bot.settings import Settings
from bot.slack.protocol import COMMAND, HELPFUL
from bot.slack.web import MAX_BODY_BYTES
from tests.doubles.slack_requests import (
    FORM,
    SECRET,
    action_body,
    block_actions,
    command_body,
    event_body,
    message_event,
    post,
    post_event,
    signed_headers,
)
from tests.test_serve import free_port, start, stop, wait_healthy

PASTE = '429 {"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'
HUGE = 256 * 1024 * 1024
MiB = 1024 * 1024


# -- bodies too big: refused before they are read ------------------------------------------------------------


def send_big(port: int, framing: str, total: int = HUGE) -> tuple[int, int]:
    """POST ``total`` bytes of junk to /slack/events, as one body announced by Content-Length or as chunks; stop
    sending once the server answers or hangs up. Returns the status and how many body bytes went out."""
    headers = {"Content-Length": str(total)} if framing == "length" else {"Transfer-Encoding": "chunked"}
    head = "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    piece = b"x" * (64 * 1024)
    frame = piece if framing == "length" else b"%x\r\n%s\r\n" % (len(piece), piece)
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        while sent < total and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(frame)
            except OSError:  # the server hung up on the rest
                break
            sent += len(piece)
        if framing == "chunked" and sent >= total:
            sock.sendall(b"0\r\n\r\n")  # the last chunk: the whole body went out
        answer = sock.recv(4096)
    return int(answer.split()[1]), sent


def memory_mb(pid: int, field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (the peak of it) of a process, in MB."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line for line in lines if line.startswith(field + ":")).split()[1]) / 1024


def test_a_body_announced_too_big_is_refused_unread(bot):
    """The app's own check (here under wsgiref, which hands the app an unread socket): 413 from Content-Length."""
    port = int(bot.base.rsplit(":", 1)[1])
    status, _ = send_big(port, "length", total=MAX_BODY_BYTES + 1)
    assert status == 413
    status, _ = send_big(port, "length")
    assert status == 413
    assert bot.api.calls_to("chat.postMessage") == []


def test_waitress_cuts_huge_bodies_without_the_process_growing(slack_api, tmp_path):
    """``python -m bot serve --http`` as deployed: 256 MB bodies, announced or chunked, get 413 after at most a few
    MB went out, and the server's memory stays flat (the review saw 1.1 GB after three such bodies)."""
    port = free_port()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.url,
           "STATE_URL": "memory://"}  # fmt: skip
    proc = start(["serve", "--http", "--port", str(port)], env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        events = f"http://127.0.0.1:{port}/slack/events"
        assert post_event(events, message_event(PASTE)).status == 200  # warm: the first answer loads what it needs
        slack_api.wait_for("chat.postMessage", timeout=10)
        Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # the peak starts again from what is resident now
        before = memory_mb(proc.pid, "VmRSS")
        results = [send_big(port, framing) for framing in ("length", "length", "length", "chunked", "chunked")]
        grown = memory_mb(proc.pid, "VmHWM") - before  # the peak: a body read whole is freed again afterwards
        print(f"\nserver RSS {before:.1f} MB, peak {grown:+.1f} MB over it during five 256 MB bodies: {results}")
        assert [status for status, _ in results] == [413] * 5
        assert all(sent < 64 * MiB for _, sent in results)  # cut off early, not read to the end
        assert grown < 50
        assert post_event(events, message_event(PASTE)).status == 200  # and it still answers Slack
    finally:
        stop(proc)


def test_serve_http_gives_waitress_the_same_body_limit(slack_api, monkeypatch):
    import waitress

    from bot import runtime

    given = {}

    def create_server(app, **options):
        given.update(options)
        raise RuntimeError("captured")

    monkeypatch.setattr(waitress, "create_server", create_server)
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.url,
           "STATE_URL": "memory://", "PORT": str(free_port())}  # fmt: skip
    with pytest.raises(RuntimeError, match="captured"):
        runtime.serve_http(Settings.from_env(env))
    assert given["max_request_body_size"] == MAX_BODY_BYTES


# -- not signed: 401; signed but not a Slack request: 400; never 500, never a traceback --------------------------


def raw_signed_headers(body: bytes, content_type: str) -> dict:
    """A signature over raw bytes (slack_sdk signs text only)."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def no_trouble_logged(caplog) -> list[str]:
    return [
        f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info
    ]


UNSIGNED = {
    "not JSON, sent as JSON": ("{oops", {"Content-Type": "application/json"}),
    "plain text": ("hello", {"Content-Type": "text/plain"}),
    "a JSON event": (event_body(message_event(PASTE)), {"Content-Type": "application/json"}),
    "a form with a broken payload": ("payload=%7Bnope", {"Content-Type": FORM}),
    "a JSON list": ("[1, 2]", {"Content-Type": "application/json"}),
}


@pytest.mark.parametrize("body, headers", UNSIGNED.values(), ids=UNSIGNED.keys())
def test_unsigned_requests_get_401(bot, caplog, body, headers):
    caplog.set_level(logging.DEBUG)
    assert post(bot.events, body, headers).status == 401
    assert no_trouble_logged(caplog) == []


def test_badly_signed_requests_get_401(bot, caplog):
    caplog.set_level(logging.DEBUG)
    body = "{oops"
    forged = signed_headers(body, "application/json", secret="not-the-secret")
    stale = signed_headers(body, "application/json", timestamp=int(time.time()) - 400)
    not_a_time = {**signed_headers(body, "application/json"), "X-Slack-Request-Timestamp": "soon"}
    no_signature = {k: v for k, v in signed_headers(body, "application/json").items() if k != "X-Slack-Signature"}
    answers = [post(bot.events, body, headers).status for headers in (forged, stale, not_a_time, no_signature)]
    latin1 = "café".encode("latin-1")  # not UTF-8: Slack cannot have sent it, whatever the signature says
    raw = requests.post(bot.events, data=latin1, headers=raw_signed_headers(latin1, "application/json"), timeout=10)
    assert [*answers, raw.status_code] == [401] * 5
    assert no_trouble_logged(caplog) == []
    assert bot.api.calls_to("chat.postMessage") == []


MALFORMED = {
    "not JSON": ("{oops", "application/json"),
    "not JSON nor a form": ("hello there", "text/plain"),
    "empty": ("", "application/json"),
    "a form without command or payload": ("a=b&c=d", FORM),
    "a payload that is not JSON": ("payload=" + urllib.parse.quote("{nope"), FORM),
    "a payload that is a JSON list": ("payload=" + urllib.parse.quote("[1]"), FORM),
    "a payload without type": ("payload=" + urllib.parse.quote('{"actions": []}'), FORM),
    "a JSON list": ("[1, 2]", "application/json"),
    "a JSON string": ('"event_callback"', "application/json; charset=utf-8"),
    "JSON without type": ('{"event": {"type": "message"}}', "application/json"),
    "JSON whose type is not text": ('{"type": 7}', "application/json"),
}


@pytest.mark.parametrize("body, content_type", MALFORMED.values(), ids=MALFORMED.keys())
def test_signed_requests_that_slack_could_not_have_sent_get_400(bot, caplog, body, content_type):
    caplog.set_level(logging.DEBUG)
    answer = post(bot.events, body, signed_headers(body, content_type))
    assert answer.status == 400
    assert json.loads(answer.body)["error"]
    assert no_trouble_logged(caplog) == []


def test_a_content_length_that_is_not_a_number_gets_400(bot):
    with socket.create_connection(("127.0.0.1", int(bot.base.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
        assert sock.recv(4096).split()[1] == b"400"


def test_slack_requests_still_get_through_and_their_acks_are_timed(bot):
    event = event_body(message_event(PASTE, ts="9.5"))
    with_charset = post(bot.events, event, signed_headers(event, "application/json; charset=utf-8"))
    command = command_body(COMMAND, "help", bot.api.response_url("c1"))
    slash = post(bot.events, command, signed_headers(command, FORM))
    message = {"ts": "9.6", "text": "an answer"}
    click = block_actions("U1", "C1", message, {"action_id": HELPFUL, "value": "9.4"}, bot.api.response_url("c2"))
    clicked = post(bot.events, action_body(click), signed_headers(action_body(click), FORM))
    assert (with_charset.status, slash.status, clicked.status) == (200, 200, 200)
    bot.settle()
    assert bot.api.wait_for("chat.postMessage", timeout=10)[0].body["thread_ts"] == "9.5"
    metrics = requests.get(bot.base + "/metrics", timeout=5).text
    assert "modelarts_triage_ack_seconds_count 3.0" in metrics


# -- methods ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_than_post_get_405_with_allow(bot, method):
    answer = requests.request(method, bot.events, timeout=5)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"


@pytest.mark.parametrize("text", ["payload-svc", "svc-a"])
def test_a_slash_command_with_payload_in_its_form_reaches_the_command(bot, text):
    # Bolt 1.x reads any form containing the letters "payload" as an interaction: here the text, or the channel name
    form = command_body(COMMAND, text, bot.api.response_url("c3")) + "&channel_name=payload-team"
    answered = post(bot.events, form, signed_headers(form, FORM))
    assert answered.status == 200 and f"`{text}`" in answered.body  # the command's own answer, not Bolt's 404
