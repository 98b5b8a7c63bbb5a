"""Slack's requests over a real HTTP socket, where the socket is the point: signatures, the URL check, ack latency.

What the bot says to those requests is tested in process (tests/test_slack_answers.py, tests/slack_chat.py).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from tests.doubles.slack_requests import event_body, message_event, post, post_event, signed_headers

PASTE_413 = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large","request_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}'
PASTE_4206 = '429 {"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'


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


def test_acks_stay_fast_while_pastes_with_five_megabyte_snippets_are_read(bot):
    log = ("2026-11-29 10:00:01 INFO worker ready, batch of 32 requests served in 41 ms\n" * 14_000)[:999_000]
    for n in range(5):
        bot.api.add_file(f"FBIG{n}", f"log{n}.txt", (log + "\nMR.0105 Recognition failed").encode())
    heavy = [message_event("our logs, see snippets", ts=f"1700000500.{n:06d}") for n in range(4)]
    for event in heavy:
        event.update(subtype="file_share", files=[{"id": f"FBIG{n}"} for n in range(5)])
    with ThreadPoolExecutor(4) as senders:
        assert [r.status for r in senders.map(lambda e: post_event(bot.events, e), heavy)] == [200] * 4
        acks = []
        for n in range(60):  # other people keep pasting while the snippets are read
            sent = post_event(bot.events, message_event(PASTE_4206, ts=f"1700000600.{n:06d}"))
            assert sent.status == 200
            acks.append(sent.elapsed)
            time.sleep(0.02)
    acks.sort()
    print(f"ack p99 {acks[int(len(acks) * 0.99) - 1]:.3f} s, max {acks[-1]:.3f} s")
    assert acks[int(len(acks) * 0.99) - 1] < 0.25
    bot.settle(timeout=60)
    threads = {c.body["thread_ts"] for c in bot.api.calls_to("chat.postMessage")}
    assert {e["ts"] for e in heavy} <= threads  # the snippets were read (their error found) and answered
