"""What the bot says in Slack to pastes, edits, mentions, DMs and votes, in process (``chat``, tests/slack_chat.py)."""

from __future__ import annotations

import json
import logging

import pytest

from tests.doubles.slack_api import Scripted
from tests.doubles.slack_requests import message_event

PASTE_413 = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large","request_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}'
PASTE_4206 = '429 {"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'


def test_a_pasted_error_is_answered_in_its_thread(chat):
    answer = chat.say(PASTE_413, ts="1700000001.000100")
    assert answer.channel == "C1" and answer.thread_ts == "1700000001.000100"
    assert "APIG.0201" in answer.text and "Request body larger than the gateway allows" in answer.text
    blocks = json.dumps(answer.blocks, ensure_ascii=False)
    assert "12 MB" in blocks and "feedback_helpful" in blocks
    assert answer.posted.body["unfurl_links"] in (False, "0", "false", "False")


def test_a_reply_inside_a_thread_stays_in_that_thread(chat):
    answer = chat.say(PASTE_413, ts="1700000002.000200", thread="1700000000.000001")
    assert answer.thread_ts == "1700000000.000001"


def test_ordinary_chat_gets_no_answer(chat):
    for text in ["lunch at noon?", "ticket 4302 is with the network team", "nginx 413 Request Entity Too Large"]:
        assert chat.say(text) is None
    assert chat.messages() == []


def test_redeliveries_get_one_answer(chat):
    event = message_event(PASTE_413)
    answers = [chat.deliver(event, event_id="EvSAME", retry=n) for n in (None, 1, 2, 3)]
    assert [a.status for a in answers] == [200] * 4
    assert all(a.headers.get("x-slack-no-retry") == ["1"] for a in answers[1:])
    chat.settle()
    assert len(chat.messages()) == 1


def test_a_mention_that_is_also_a_message_event_gets_one_answer(chat):
    assert chat.say(PASTE_4206, mention=True) is not None  # Slack sends the message, then the app_mention
    event = message_event(f"<@UBOT> {PASTE_4206}")
    for kind in ("app_mention", "message"):  # and sometimes the other way round
        chat.deliver({**event, "type": kind})
    chat.settle()
    assert len(chat.messages()) == 2  # one per pasted message


def test_own_and_other_bots_messages_are_ignored(chat):
    assert chat.say(PASTE_413, user="UBOT", bot_id="BBOT") is None
    assert chat.say(PASTE_413, user="UOTHER", bot_id="BOTHER") is None
    assert chat.say(PASTE_413, subtype="bot_message", bot_id="BOTHER") is None
    assert chat.messages() == []


def test_other_message_subtypes_are_acked_and_ignored(chat):
    for subtype in ("channel_join", "message_deleted", "channel_topic"):
        assert chat.say("joined", subtype=subtype) is None  # say() checks each event got a 200 ack
    assert chat.messages() == []


def test_an_edited_paste_updates_the_answer(chat):
    answer = chat.say(PASTE_413, ts="1700000003.000300")
    updated = chat.edit("1700000003.000300", PASTE_4206)
    assert updated.ts == answer.ts and len(updated.calls) == 2
    assert "ModelArts.4206" in updated.text
    assert len(chat.messages()) == 1


def test_an_edit_that_removes_the_error_says_so(chat):
    chat.say(PASTE_413, ts="1700000005.000500")
    assert "no longer shows a known" in chat.edit("1700000005.000500", "never mind, fixed").text


def test_a_long_paste_shared_as_a_snippet_is_read(chat):
    content = ("INFO warming up\n" * 2000 + PASTE_4206 + "\n").encode()
    chat.api.add_file("F123", "paste.txt", content)
    answer = chat.say("", subtype="file_share", files=[{"id": "F123", "name": "paste.txt", "mode": "snippet"}])
    assert "ModelArts.4206" in answer.text
    (download,) = chat.api.calls_to("files/F123")
    assert download.headers["authorization"] == "Bearer xoxb-test"


def test_a_pasted_credential_is_masked_and_the_poster_warned(chat):
    token = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r"
    paste = f'curl -H "X-Auth-Token: {token}" https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x\n{PASTE_413}'
    answer = chat.say(paste, user="U7")
    assert token not in answer.posted.raw.decode() and "masked credentials" in json.dumps(answer.blocks)
    (warning,) = chat.whispers()
    assert warning.to == "U7" and "rotate" in warning.text
    assert token not in warning.posted.raw.decode()


def test_rate_limited_post_is_retried_after_retry_after(chat):
    chat.api.script("chat.postMessage", Scripted.rate_limited(retry_after=0))
    assert chat.say(PASTE_413) is not None
    assert len(chat.api.calls_to("chat.postMessage")) == 2


def test_a_mention_or_dm_without_an_error_still_gets_an_answer(chat):
    mentioned = chat.say("is the gateway slow today?", mention=True)
    direct = chat.say("what does this mean? timeout", dm=True)
    assert direct.channel == "D1"
    assert all("could not find a known ModelArts" in a.text for a in (mentioned, direct))


def test_one_vote_per_user_the_buttons_stay_the_counts_show_and_only_the_voter_is_thanked(chat):
    answer = chat.say(PASTE_413)
    clicks = (("U1", "feedback_helpful"), ("U1", "feedback_unhelpful"), ("U2", "feedback_helpful"),
              ("U3", "feedback_unhelpful"))  # fmt: skip
    for user, action in clicks:
        now = chat.click(answer, action, user=user)  # each clicks the answer as they saw it, buttons and all
    votes = sorted((v.user, v.helpful) for v in chat.store.votes())
    assert votes == [("U1", False), ("U2", True), ("U3", False)]
    assert now.ts == answer.ts
    assert now.button("feedback_helpful") and now.button("feedback_unhelpful")  # still there for the next person
    assert "1 found this helpful · 2 did not" in now.shown
    thanks = chat.whispers()
    assert [w.to for w in thanks] == ["U1", "U1", "U2", "U3"] and "not helpful" in thanks[1].text
    assert [g.kind for g in chat.store.gaps()] == ["unhelpful"]  # U3's first vote sent the paste to the review


def test_a_huge_paste_still_produces_a_valid_message(chat):
    answer = chat.say(("x" * 120 + "\n") * 1500 + PASTE_413)
    assert len(answer.blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in answer.blocks)
    assert len(answer.text) <= 4000


def test_a_refused_post_is_logged_and_the_bot_carries_on(chat, caplog):
    chat.api.script("chat.postMessage", Scripted.not_ok("channel_not_found"))
    assert chat.say(PASTE_413, channel="CGONE", ts="1700000009.000900") is None
    assert "channel_not_found" in caplog.text
    assert chat.store.reply_for("CGONE", "1700000009.000900") is None
    assert chat.say(PASTE_4206) is not None
    assert len(chat.api.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message", "channel": "C1", "ts": "1700000800.000100", "text": 42},
        {"type": "message", "subtype": "message_changed", "channel": "C1", "message": "not an object"},
        {"type": "app_mention", "channel": ["C1"], "ts": "1700000800.000200", "text": "<@UBOT> hi"},
    ],
)
def test_a_signed_event_of_the_wrong_shape_gets_400_and_no_traceback(chat, caplog, event):
    response = chat.deliver(event)
    chat.settle()
    assert response.status in (200, 400)  # acked or refused; never a 500 Slack would retry
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
