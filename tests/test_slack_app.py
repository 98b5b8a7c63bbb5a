"""The Slack app over real sockets: signed requests to the running bot, replies seen by the mock Web API."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from tests.doubles.slack_api import Scripted
from tests.doubles.slack_requests import event_body, message_event, post, post_action, post_event, signed_headers

PASTE_413 = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large","request_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}'
PASTE_4206 = '429 {"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'


def block_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def button_of(blocks: list[dict], action_id: str) -> dict:
    return next(e for b in blocks for e in b.get("elements", []) if e.get("action_id") == action_id)


def test_a_pasted_error_is_answered_in_its_thread(bot):
    event = message_event(PASTE_413, ts="1700000001.000100")
    sent = post_event(bot.events, event)
    assert sent.status == 200
    (reply,) = bot.api.wait_for("chat.postMessage")
    assert reply.body["channel"] == "C1" and reply.body["thread_ts"] == "1700000001.000100"
    blocks = reply.json("blocks")
    assert "APIG.0201" in reply.body["text"] and "Request body larger than the gateway allows" in reply.body["text"]
    assert "12 MB" in block_text(blocks) and "feedback_helpful" in block_text(blocks)
    assert reply.body["unfurl_links"] in (False, "0", "false", "False")


def test_a_reply_inside_a_thread_stays_in_that_thread(bot):
    post_event(bot.events, message_event(PASTE_413, ts="1700000002.000200", thread_ts="1700000000.000001"))
    (reply,) = bot.api.wait_for("chat.postMessage")
    assert reply.body["thread_ts"] == "1700000000.000001"


def test_ordinary_chat_gets_no_answer(bot):
    for text in ["lunch at noon?", "ticket 4302 is with the network team", "nginx 413 Request Entity Too Large"]:
        assert post_event(bot.events, message_event(text)).status == 200
    bot.settle()
    assert bot.api.calls_to("chat.postMessage") == []


def test_redeliveries_get_one_answer(bot):
    event = message_event(PASTE_413)
    answers = [post_event(bot.events, event, event_id="EvSAME", retry=n) for n in (None, 1, 2, 3)]
    assert [a.status for a in answers] == [200] * 4
    assert all(a.headers.get("x-slack-no-retry") == "1" for a in answers[1:])
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 1


def test_a_mention_that_is_also_a_message_event_gets_one_answer(bot):
    for order in (("app_mention", "message"), ("message", "app_mention")):
        event = message_event(f"<@UBOT> {PASTE_4206}")
        for kind in order:
            post_event(bot.events, {**event, "type": kind})
        bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 2  # one per pasted message


def test_own_and_other_bots_messages_are_ignored(bot):
    post_event(bot.events, message_event(PASTE_413, user="UBOT", bot_id="BBOT"))
    post_event(bot.events, message_event(PASTE_413, user="UOTHER", bot_id="BOTHER"))
    post_event(bot.events, message_event(PASTE_413, subtype="bot_message", bot_id="BOTHER"))
    bot.settle()
    assert bot.api.calls_to("chat.postMessage") == []


def test_other_message_subtypes_are_acked_and_ignored(bot):
    for subtype in ("channel_join", "message_deleted", "channel_topic"):
        assert post_event(bot.events, message_event("joined", subtype=subtype)).status == 200
    bot.settle()
    assert bot.api.calls_to("chat.postMessage") == []


def test_forged_or_stale_signatures_are_refused(bot):
    body = event_body(message_event(PASTE_413))
    forged = post(bot.events, body, signed_headers(body, "application/json", secret="not-the-secret"))
    stale = post(bot.events, body, signed_headers(body, "application/json", timestamp=int(time.time()) - 400))
    assert (forged.status, stale.status) == (401, 401)
    bot.settle()
    assert bot.api.calls_to("chat.postMessage") == []


def test_url_verification_echoes_the_challenge(bot):
    body = json.dumps({"token": "x", "challenge": "abc123", "type": "url_verification"})
    answer = post(bot.events, body, signed_headers(body, "application/json"))
    assert answer.status == 200 and "abc123" in answer.body


def test_an_edited_paste_updates_the_answer(bot):
    event = message_event(PASTE_413, ts="1700000003.000300")
    post_event(bot.events, event)
    bot.api.wait_for("chat.postMessage")
    bot.settle()
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "channel_type": "channel",
        "ts": "1700000004.000400",
        "message": {"type": "message", "user": "U1", "text": PASTE_4206, "ts": "1700000003.000300"},
        "previous_message": {"type": "message", "user": "U1", "text": PASTE_413, "ts": "1700000003.000300"},
    }
    post_event(bot.events, edit)
    (update,) = bot.api.wait_for("chat.update")
    posted_ts = bot.runtime.store.reply_for("C1", "1700000003.000300").reply_ts
    assert update.body["ts"] == posted_ts and "ModelArts.4206" in update.body["text"]
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 1


def test_an_edit_that_removes_the_error_says_so(bot):
    post_event(bot.events, message_event(PASTE_413, ts="1700000005.000500"))
    bot.api.wait_for("chat.postMessage")
    bot.settle()
    post_event(
        bot.events,
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "ts": "1700000006.000600",
            "message": {"type": "message", "user": "U1", "text": "never mind, fixed", "ts": "1700000005.000500"},
            "previous_message": {"type": "message", "user": "U1", "text": PASTE_413, "ts": "1700000005.000500"},
        },
    )
    (update,) = bot.api.wait_for("chat.update")
    assert "no longer shows a known" in update.body["text"]


def test_a_long_paste_shared_as_a_snippet_is_read(bot):
    content = ("INFO warming up\n" * 2000 + PASTE_4206 + "\n").encode()
    bot.api.add_file("F123", "paste.txt", content)
    event = message_event("", subtype="file_share", files=[{"id": "F123", "name": "paste.txt", "mode": "snippet"}])
    post_event(bot.events, event)
    (reply,) = bot.api.wait_for("chat.postMessage")
    assert "ModelArts.4206" in reply.body["text"]
    (download,) = bot.api.calls_to("files/F123")
    assert download.headers["authorization"] == "Bearer xoxb-test"


def test_a_pasted_credential_is_masked_and_the_poster_warned(bot):
    token = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggKXBgkqhkiG9w0BBwGgggKIBIIChHsidG9r"
    paste = f'curl -H "X-Auth-Token: {token}" https://x.apig.cn-north-4.huaweicloudapis.com/v1/infers/x\n{PASTE_413}'
    post_event(bot.events, message_event(paste, user="U7"))
    (reply,) = bot.api.wait_for("chat.postMessage")
    (warning,) = bot.api.wait_for("chat.postEphemeral")
    assert token not in reply.raw.decode() and "masked credentials" in block_text(reply.json("blocks"))
    assert warning.body["user"] == "U7" and "rotate" in warning.body["text"]
    assert token not in warning.raw.decode()


def test_rate_limited_post_is_retried_after_retry_after(bot):
    bot.api.script("chat.postMessage", Scripted.rate_limited(retry_after=0))
    post_event(bot.events, message_event(PASTE_413))
    bot.api.wait_for("chat.postMessage", count=2)
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 2


def test_server_errors_are_retried_a_bounded_number_of_times_and_never_crash(bot):
    bot.api.script("chat.postMessage", *[Scripted.server_error(500)] * 3)
    post_event(bot.events, message_event(PASTE_413, ts="1700000007.000700"))
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 3  # first try + 2 retries, then given up
    post_event(bot.events, message_event(PASTE_4206))  # and the bot carries on
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 4  # answered at the first try


def test_a_mention_or_dm_without_an_error_still_gets_an_answer(bot):
    post_event(bot.events, {**message_event("<@UBOT> is the gateway slow today?"), "type": "app_mention"})
    post_event(bot.events, message_event("what does this mean? timeout", channel="D1", channel_type="im"))
    replies = bot.api.wait_for("chat.postMessage", count=2)
    assert all("could not find a known ModelArts" in r.body["text"] for r in replies)


def test_feedback_is_recorded_once_per_user_and_buttons_become_a_thank_you(bot):
    post_event(bot.events, message_event(PASTE_413))
    (reply,) = bot.api.wait_for("chat.postMessage")
    bot.settle()
    blocks = reply.json("blocks")
    posted = bot.runtime.store.reply_for("C1", reply.body["thread_ts"])
    for user, action in (("U1", "feedback_helpful"), ("U1", "feedback_unhelpful"), ("U2", "feedback_helpful")):
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T1"},
            "channel": {"id": "C1"},
            "container": {"type": "message", "message_ts": posted.reply_ts, "channel_id": "C1"},
            "message": {"ts": posted.reply_ts, "text": reply.body["text"], "blocks": blocks},
            "actions": [{"action_id": action, "block_id": "feedback", "value": button_of(blocks, action)["value"]}],
            "response_url": bot.api.response_url("fb"),
            "trigger_id": "1.2.3",
        }
        assert post_action(bot.events, payload).status == 200
        bot.settle()
    votes = sorted((v.user, v.helpful, v.playbook, v.variant) for v in bot.runtime.store.votes())
    assert votes == [("U1", False, "APIG.0201", "body-too-large"), ("U2", True, "APIG.0201", "body-too-large")]
    update = bot.api.calls_to("chat.update")[-1]
    updated = block_text(update.json("blocks"))
    assert "Thanks <@U2>" in updated and "feedback_helpful" not in updated


def test_acks_stay_fast_while_twenty_slow_replies_are_in_flight(bot):
    bot.api.delay["chat.postMessage"] = 2.0
    with ThreadPoolExecutor(20) as senders:
        list(senders.map(lambda n: post_event(bot.events, message_event(PASTE_413)), range(20)))
    deadline = time.monotonic() + 5
    while bot.runtime.pool.in_flight < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bot.runtime.pool.in_flight >= 20
    sent = post_event(bot.events, message_event(PASTE_4206))
    assert sent.status == 200 and sent.elapsed < 1.0
    assert bot.runtime.pool.in_flight >= 20  # the slow ones are still running
    bot.settle(timeout=20)
    assert len(bot.api.calls_to("chat.postMessage")) == 21


def test_a_huge_paste_still_produces_a_valid_message(bot):
    paste = ("x" * 120 + "\n") * 1500 + PASTE_413
    post_event(bot.events, message_event(paste))
    (reply,) = bot.api.wait_for("chat.postMessage")
    blocks = reply.json("blocks")
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert len(reply.body["text"]) <= 4000


def test_a_refused_post_is_logged_and_the_bot_carries_on(bot, caplog):
    bot.api.script("chat.postMessage", Scripted.not_ok("channel_not_found"))
    post_event(bot.events, message_event(PASTE_413, channel="CGONE", ts="1700000009.000900"))
    bot.settle()
    assert "channel_not_found" in caplog.text
    assert bot.runtime.store.reply_for("CGONE", "1700000009.000900") is None
    post_event(bot.events, message_event(PASTE_4206))
    bot.settle()
    assert len(bot.api.calls_to("chat.postMessage")) == 2
