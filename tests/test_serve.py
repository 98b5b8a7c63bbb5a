"""``python -m bot serve`` as a real process: HTTP mode under waitress, Socket Mode, and refusals at start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.doubles.slack_api import Scripted
from tests.doubles.slack_requests import SECRET, message_event, post_event

ROOT = Path(__file__).resolve().parent.parent
PASTE = '{"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'
PASTE_SECRET = (
    "X-Auth-Token: MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKI\n"
    '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict) -> subprocess.Popen:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and not k.lower().endswith("_proxy")}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"bot exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became healthy")


def stop(proc: subprocess.Popen) -> str:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return err.decode()


def http_bot(api, state_url: str, *extra: str, **env) -> tuple[subprocess.Popen, str]:
    """A bot in HTTP mode, in its own process, against the mock Slack ``api``, once it answers /healthz."""
    port = free_port()
    settings = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url,
                "STATE_URL": state_url, **env}  # fmt: skip
    proc = start(["serve", "--http", "--port", str(port), *extra], settings)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base + "/healthz", proc)
    return proc, base


def test_http_mode_answers_a_signed_event(slack_api, tmp_path):
    proc, base = http_bot(slack_api, f"sqlite:///{tmp_path}/state.sqlite3")
    try:
        sent = post_event(f"{base}/slack/events", message_event(PASTE, ts="1.5"))
        assert sent.status == 200
        (reply,) = slack_api.wait_for("chat.postMessage", timeout=10)
        assert reply.body["thread_ts"] == "1.5" and "ModelArts.4206" in reply.body["text"]
    finally:
        logs = stop(proc)
    assert proc.returncode == 0
    assert "xoxb-test" not in logs


def test_socket_mode_worker_answers_an_envelope_and_serves_health(slack_api, tmp_path):
    from tests.doubles.socket_mode import MockSocketModeServer

    sm = MockSocketModeServer().start()
    slack_api.ws_url = sm.url
    health = free_port()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-1-A1-test", "SLACK_API_URL": slack_api.url,
           "HEALTH_PORT": str(health), "STATE_URL": "memory://"}  # fmt: skip
    proc = start([], env)  # no command: Slack settings present, so it serves (Socket Mode, as SLACK_APP_TOKEN is set)
    try:
        wait_healthy(f"http://127.0.0.1:{health}/healthz", proc)
        sm.wait_connected(timeout=15)
        payload = {"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "EvS1",
                   "event_time": 1, "event": message_event(PASTE, ts="2.5")}  # fmt: skip
        envelope = sm.events_api_envelope(payload)
        sm.send(envelope)
        assert sm.wait_for_ack(envelope["envelope_id"], timeout=10)["envelope_id"] == envelope["envelope_id"]
        (reply,) = slack_api.wait_for("chat.postMessage", timeout=10)
        assert reply.body["thread_ts"] == "2.5"
        retry = sm.events_api_envelope(payload, retry_attempt=1, retry_reason="timeout")
        sm.send(retry)  # Slack redelivers on another envelope: acked, not answered twice
        sm.wait_for_ack(retry["envelope_id"], timeout=10)
        time.sleep(0.5)
        assert len(slack_api.calls_to("chat.postMessage")) == 1
        ready = requests.get(f"http://127.0.0.1:{health}/readyz", timeout=5).json()
        assert ready["slack"] == "connected" and ready["ready"] is True
        assert "modelarts_triage_events_total" in requests.get(f"http://127.0.0.1:{health}/metrics", timeout=5).text
    finally:
        stop(proc)
        sm.stop()
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-test"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_SIGNING_SECRET": "s"}, "must be the bot token (starts with xoxb-)"),
        ({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "oops"}, "SLACK_APP_TOKEN must be an app-level token"),
        ({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "PORT": "http"}, "PORT='http' is not a number"),
    ],
)
def test_missing_or_wrong_settings_stop_the_start_with_the_fix(env, says):
    proc = start(["serve"], env)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert says in err.decode()


def test_a_token_slack_refuses_stops_the_start(slack_api):
    slack_api.script("auth.test", Scripted.not_ok("invalid_auth"))
    env = {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack_api.url,
           "STATE_URL": "memory://"}  # fmt: skip
    proc = start(["serve", "--http", "--port", str(free_port())], env)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "Could not sign in to Slack with SLACK_BOT_TOKEN" in err.decode() and "invalid_auth" in err.decode()


@pytest.mark.parametrize("state", ["redis://127.0.0.1:{port}/0", "sqlite:///{tmp}/ro/state.sqlite3"])
def test_a_state_store_that_cannot_be_written_stops_the_start_naming_state_url(slack_api, tmp_path, state):
    readonly = tmp_path / "ro"
    readonly.mkdir()
    (readonly / "state.sqlite3").write_text("not a database")  # what a broken volume looks like to SQLite
    url = state.format(port=free_port(), tmp=tmp_path)
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack_api.url,
           "STATE_URL": url}  # fmt: skip
    started = time.monotonic()
    proc = start(["serve", "--http", "--port", str(free_port())], env)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and time.monotonic() - started < 10
    assert "STATE_URL" in err.decode() and "Traceback" not in err.decode()


def test_a_slack_that_cannot_be_reached_is_not_called_a_bad_token():
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "STATE_URL": "memory://",
           "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}  # fmt: skip
    proc = start(["serve", "--http", "--port", str(free_port())], env)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "Slack could not be reached" in err.decode() and "Could not sign in" not in err.decode()


def test_a_normal_start_logs_no_warning_and_an_answered_paste_logs_one_structured_line(slack_api, tmp_path):
    proc, base = http_bot(slack_api, f"sqlite:///{tmp_path}/s.sqlite3")
    try:
        post_event(f"{base}/slack/events", message_event(PASTE_SECRET, ts="1700000900.000100"))
        slack_api.wait_for("chat.postMessage", timeout=10)
        time.sleep(0.3)
    finally:
        err = stop(proc)
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert not [r for r in records if r["level"] in ("warning", "error", "critical")], records
    (handled,) = [r for r in records if r.get("event") == "paste"]
    assert handled["outcome"] == "answer" and handled["playbook"] == "APIG.0201" and handled["channel"] == "C1"
    assert {"variant", "confidence", "latency_ms", "lang"} <= set(handled)
    assert "Request entity too large" not in err and "MIIEhQYJKoZ" not in err  # never the paste's text
