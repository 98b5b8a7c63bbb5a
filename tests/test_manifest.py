"""The Slack manifests agree with what the code handles and calls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.doubles.slack_requests import message_event

ROOT = Path(__file__).resolve().parent.parent
EVENT_SCOPE = {
    "app_home_opened": None,
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}
METHOD_SCOPES = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "files.info": {"files:read"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    "views.publish": set(),
    "auth.test": set(),
}
"""The bot scopes each Web API method needs (Slack's method reference), for the channels the bot listens in."""
SLACK_FAMILIES = {"admin", "api", "apps", "auth", "bookmarks", "chat", "conversations", "dnd", "emoji", "files",
                  "pins", "reactions", "reminders", "search", "team", "usergroups", "users", "views"}  # fmt: skip
CHANNEL_TYPE = {"message.channels": "channel", "message.groups": "group", "message.im": "im"}


def manifest(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.http.yml"])
def test_every_subscribed_event_is_acked_by_a_listener(chat, name):
    m = manifest(name)
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    for event_type in m["settings"]["event_subscriptions"]["bot_events"]:
        assert EVENT_SCOPE[event_type] is None or EVENT_SCOPE[event_type] in scopes
        kind = event_type if event_type in ("app_mention", "app_home_opened") else "message"
        event = {**message_event("hello <@UBOT>"), "type": kind, "tab": "home"}
        if event_type in CHANNEL_TYPE:
            event["channel_type"] = CHANNEL_TYPE[event_type]
        sent = chat.deliver(event)
        assert sent.status == 200, f"{event_type} not handled: {sent.body}"
    assert m["settings"]["interactivity"]["is_enabled"] is True


def web_api_methods_called() -> set[str]:
    """Every Web API method the bot's code calls on a WebClient (``client.chat_postMessage(`` -> chat.postMessage)."""
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for name in re.findall(r"\bclient\.([a-z]+_[a-zA-Z_]+)\(", path.read_text(encoding="utf-8")):
            family, _, method = name.partition("_")
            if family not in SLACK_FAMILIES:
                continue  # another SDK's client (ModelArts'), or slack_sdk's own plumbing
            found.add(f"{family}.{re.sub(r'_([a-z])', lambda m: m.group(1).upper(), method)}")
    return found


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.http.yml"])
def test_the_scopes_cover_every_web_api_method_the_code_calls(name):
    scopes = set(manifest(name)["oauth_config"]["scopes"]["bot"])
    called = web_api_methods_called()
    assert called >= {"chat.postMessage", "chat.update", "chat.delete", "conversations.replies", "views.publish"}
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add the scopes these need to METHOD_SCOPES and the manifests: {unknown}"
    missing = {m: METHOD_SCOPES[m] - scopes for m in called if METHOD_SCOPES[m] - scopes}
    assert not missing


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.http.yml"])
def test_the_manifests_enable_dms_the_home_tab_and_the_shortcut(name):
    features = manifest(name)["features"]
    assert features["app_home"]["messages_tab_enabled"] is True and features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    (shortcut,) = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"], shortcut["name"]) == (
        "message", "diagnose_message", "Diagnose this message")  # fmt: skip
    assert "app_home_opened" in manifest(name)["settings"]["event_subscriptions"]["bot_events"]


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
