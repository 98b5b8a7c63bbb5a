"""The Slack manifests agree with what the code handles and calls."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.doubles.slack_requests import message_event

ROOT = Path(__file__).resolve().parent.parent
EVENT_SCOPE = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}
METHOD_SCOPE = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "files.info": "files:read",
    "auth.test": None,
}
CHANNEL_TYPE = {"message.channels": "channel", "message.groups": "group", "message.im": "im"}


def manifest(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.http.yml"])
def test_every_subscribed_event_is_acked_by_a_listener(chat, name):
    m = manifest(name)
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    for event_type in m["settings"]["event_subscriptions"]["bot_events"]:
        assert EVENT_SCOPE[event_type] in scopes
        kind = "app_mention" if event_type == "app_mention" else "message"
        event = {**message_event("hello <@UBOT>"), "type": kind}
        if event_type in CHANNEL_TYPE:
            event["channel_type"] = CHANNEL_TYPE[event_type]
        sent = chat.deliver(event)
        assert sent.status == 200, f"{event_type} not handled: {sent.body}"
    assert m["settings"]["interactivity"]["is_enabled"] is True


def test_every_web_api_method_the_bot_calls_is_covered_by_a_scope(chat):
    scopes = set(manifest("manifest.yml")["oauth_config"]["scopes"]["bot"])
    token = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKI"
    chat.api.add_file("F1", "p.txt", b'{"error_code":"APIG.0201","error_msg":"Request entity too large"}')
    answer = chat.say(f"X-Auth-Token: {token}\nAPIG.0308 throttling", ts="1.1")
    chat.say("", subtype="file_share", files=[{"id": "F1"}])
    chat.click(answer, "feedback_helpful")
    called = {c.method for c in chat.api.calls if "." in c.method and not c.method.startswith("files/")}
    assert called >= {"chat.postMessage", "chat.update", "chat.postEphemeral", "files.info"}
    for method in called:
        needed = METHOD_SCOPE[method]
        assert needed is None or needed in scopes, method


def test_socket_and_http_manifests_differ_only_in_transport():
    socket, http = manifest("manifest.yml"), manifest("manifest.http.yml")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert http["settings"]["socket_mode_enabled"] is False
    for url in (
        http["settings"]["event_subscriptions"]["request_url"],
        http["settings"]["interactivity"]["request_url"],
    ):
        assert url.startswith("https://") and url.endswith("/slack/events")
    assert socket["oauth_config"] == http["oauth_config"]
    assert socket["features"]["bot_user"] == http["features"]["bot_user"]
    for a, b in zip(socket["features"]["slash_commands"], http["features"]["slash_commands"], strict=True):
        assert "url" not in a and b.pop("url").endswith("/slack/events") and a == b


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.http.yml"])
def test_every_slash_command_in_the_manifest_has_a_listener(chat, name):
    m = manifest(name)
    assert "commands" in m["oauth_config"]["scopes"]["bot"]
    commands = [c["command"] for c in m["features"]["slash_commands"]]
    assert commands == ["/predict-check"]
    for command in commands:
        acked = chat.command("", name=command)
        assert acked.status == 200 and "Usage" in acked.text


def test_procfile_runs_http_mode_as_web_and_socket_mode_as_worker():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert lines == {"web": "python -m bot serve --http", "worker": "python -m bot serve --socket"}
