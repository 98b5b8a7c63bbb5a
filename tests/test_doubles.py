"""Prove the offline Slack doubles work with the real slack_sdk / slack_bolt clients (no Internet)."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.doubles.slack_api import MockSlackAPI, Scripted
from tests.doubles.socket_mode import MockSocketModeServer


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # slack_sdk reads HTTP(S)_PROXY itself and ignores NO_PROXY, so a proxy env would hijack 127.0.0.1 traffic.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api():
    with MockSlackAPI() as server:
        yield server


@pytest.fixture
def sm():
    with MockSocketModeServer() as server:
        yield server


def test_auth_test_and_post_message_are_answered_and_recorded(api):
    client = WebClient(token="xoxb-test", base_url=api.url)

    auth = client.auth_test()
    assert auth["user_id"] == "UBOT" and auth["team_id"] == "T1" and auth["bot_id"] == "BBOT"

    first = client.chat_postMessage(channel="C1", text="hi", thread_ts="1.2")
    second = client.chat_postMessage(channel="C1", text="again")
    assert first["ts"] == "1700000000.000100" and second["ts"] == "1700000000.000200"
    assert first["message"] == {
        "type": "message",
        "user": "UBOT",
        "bot_id": "BBOT",
        "text": "hi",
        "ts": first["ts"],
        "thread_ts": "1.2",
    }

    call = api.wait_for("chat.postMessage")[0]
    assert call.path == "/api/chat.postMessage"
    assert call.body == {"channel": "C1", "text": "hi", "thread_ts": "1.2"}
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert json.loads(call.raw) == call.body
    assert [c.method for c in api.calls] == ["auth.test", "chat.postMessage", "chat.postMessage"]


def test_form_posts_and_json_fields(api):
    client = WebClient(token="xoxb-test", base_url=api.url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*x*"}}]
    client.api_call("chat.update", data={"channel": "C1", "ts": "1.1", "text": "t", "blocks": json.dumps(blocks)})

    call = api.wait_for("chat.update")[0]
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.body["ts"] == "1.1"
    assert call.json("blocks") == blocks


def test_bad_token_gets_invalid_auth(api):
    with pytest.raises(SlackApiError) as err:
        WebClient(token="not-a-token", base_url=api.url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-test", base_url=api.url).apps_connections_open(app_token="xoxb-wrong-kind")
    assert err.value.response["error"] == "not_allowed_token_type"


def test_scripted_rate_limit_is_retried(api):
    client = WebClient(token="xoxb-test", base_url=api.url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    api.script("chat.postMessage", Scripted.rate_limited(retry_after=0))

    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"] is True
    assert len(api.calls_to("chat.postMessage")) == 2


def test_scripted_failures_then_defaults_resume(api):
    client = WebClient(token="xoxb-test", base_url=api.url)
    api.script("chat.postMessage", Scripted.not_ok("channel_not_found"), Scripted.server_error())
    for expected in ("channel_not_found", "internal_error"):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C404", text="x")
        assert err.value.response["error"] == expected
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_files_info_and_private_download(api):
    api.add_file("F1", "trace.log", b"Traceback: boom\n")
    client = WebClient(token="xoxb-test", base_url=api.url)

    info = client.files_info(file="F1")["file"]
    assert info["name"] == "trace.log" and info["size"] == 16 and info["url_private"] == f"{api.base}/files/F1"

    authed = urllib.request.Request(info["url_private"], headers={"Authorization": "Bearer xoxb-test"})
    with urllib.request.urlopen(authed, timeout=5) as resp:
        assert resp.read() == b"Traceback: boom\n"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(info["url_private"], timeout=5)
    assert err.value.code == 403
    err.value.close()
    assert [c.method for c in api.calls] == ["files.info", "files/F1", "files/F1"]

    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F404")
    assert missing.value.response["error"] == "file_not_found"


def test_concurrent_requests_keep_alive_and_latency(api):
    api.delay["chat.postEphemeral"] = 0.2

    def post(i: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", int(api.base.rsplit(":", 1)[1]), timeout=5)
        try:
            for _ in range(2):  # two requests on one keep-alive connection
                conn.request(
                    "POST", "/api/chat.postEphemeral", body=f"user=U{i}", headers={"Authorization": "Bearer xoxb-t"}
                )
                resp = conn.getresponse()
                assert json.loads(resp.read())["ok"] is True
            return i
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        assert sorted(pool.map(post, range(50))) == list(range(50))
    assert time.monotonic() - started < 3  # 100 calls x 0.2s delay only fits if they overlap
    assert len(api.wait_for("chat.postEphemeral", count=100)) == 100

    with urllib.request.urlopen(urllib.request.Request(api.response_url("abc"), data=b"{}"), timeout=5) as resp:
        assert resp.read() == b"ok"
    assert api.calls[-1].method == "respond/abc"


def test_socket_mode_app_mention_round_trip(api, sm):
    api.ws_url = sm.url

    def authorize(enterprise_id, team_id, user_id):
        return AuthorizeResult(
            enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UBOT", bot_id="BBOT"
        )

    app = App(
        client=WebClient(token="xoxb-test", base_url=api.url),
        authorize=authorize,
        token_verification_enabled=False,
        signing_secret="unused-in-socket-mode",
    )

    @app.event("app_mention")
    def on_mention(event, say):
        say("pong")

    handler = SocketModeHandler(app, app_token="xapp-A1-test")
    handler.connect()
    try:
        sm.wait_connected()
        assert api.calls_to("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-A1-test"
        envelope = sm.events_api_envelope(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": "Ev1",
                "event_time": 1_700_000_000,
                "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
                "event": {
                    "type": "app_mention",
                    "user": "U1",
                    "text": "<@UBOT> ping",
                    "channel": "C1",
                    "ts": "1.1",
                    "event_ts": "1.1",
                },
            }
        )
        assert sm.send(envelope) == 1

        ack = sm.wait_for_ack(envelope["envelope_id"])
        assert ack["envelope_id"] == envelope["envelope_id"]
        post = api.wait_for("chat.postMessage")[0]
        assert post.body["text"] == "pong" and post.body["channel"] == "C1"
    finally:
        handler.close()
