"""Real bot processes: two replicas sharing a real Redis, a restart on SQLite, SIGTERM and SIGHUP."""

from __future__ import annotations

import os
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bot.knowledge import SHIPPED_DIR
from tests.doubles.slack_requests import message_event, post_event
from tests.redis_server import running_redis
from tests.test_serve import http_bot, stop

PASTE = '{"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'


@pytest.fixture(scope="module")
def redis():
    with running_redis() as server:
        yield server


def test_two_replicas_on_one_redis_answer_each_paste_once(slack_api, redis):
    a, base_a = http_bot(slack_api, redis.url)
    b, base_b = http_bot(slack_api, redis.url)
    try:
        assert requests.get(base_a + "/readyz", timeout=5).json()["store"] == "ok"
        deliveries = []
        for n in range(30):
            event = message_event(PASTE, ts=f"1900000000.{n:06d}")
            event_id = f"EvRep{n}"
            first, second = (base_a, base_b) if n % 2 else (base_b, base_a)
            deliveries += [(first, event, event_id, None), (second, event, event_id, 1), (first, event, event_id, 2)]
            if n % 5 == 0:  # a mention that also arrives as a message event, one to each replica
                mention = {**message_event(f"<@UBOT> {PASTE}", ts=f"1900000001.{n:06d}"), "type": "app_mention"}
                deliveries += [
                    (first, mention, f"EvMen{n}", None),
                    (second, {**mention, "type": "message"}, f"EvMsg{n}", None),
                ]
        with ThreadPoolExecutor(8) as senders:
            statuses = list(
                senders.map(lambda d: post_event(d[0] + "/slack/events", d[1], d[2], d[3]).status, deliveries)
            )
        assert set(statuses) == {200}
        replies = slack_api.wait_for("chat.postMessage", count=36, timeout=20)
        time.sleep(1.0)  # anything extra would arrive now
        threads = [c.body["thread_ts"] for c in slack_api.calls_to("chat.postMessage")]
        assert len(threads) == len(set(threads)) == 36
        assert len(replies) == 36
    finally:
        stop(a)
        stop(b)


def test_a_restart_on_sqlite_keeps_dedup_keys(slack_api, tmp_path):
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    proc, base = http_bot(slack_api, url)
    event = message_event(PASTE, ts="1900000100.000100")
    post_event(base + "/slack/events", event, "EvRestart")
    slack_api.wait_for("chat.postMessage", timeout=10)
    os.killpg(proc.pid, signal.SIGKILL)  # no clean shutdown
    proc.wait(10)
    again, base = http_bot(slack_api, url)
    try:
        assert post_event(base + "/slack/events", event, "EvRestart", retry=3).status == 200
        time.sleep(1.0)
        assert len(slack_api.calls_to("chat.postMessage")) == 1
    finally:
        stop(again)


def answered_threads(api) -> list[str]:
    """The thread of each answer Slack holds (a post counts once Slack has it, even if its answer was lost)."""
    return [m.get("thread_ts") or m["ts"] for m in api.messages]


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_kill_9_after_the_ack_loses_nothing_and_answers_nothing_twice(slack_api, tmp_path, backend, request):
    url = request.getfixturevalue("redis").url if backend == "redis" else f"sqlite:///{tmp_path}/state.sqlite3"
    if backend == "redis":
        request.getfixturevalue("redis").flush()
    slack_api.delay["chat.postMessage"] = 2.0  # Slack is slow today: answers are in flight when the bot dies
    proc, base = http_bot(slack_api, url, INTAKE_LEASE_S="3")
    events = [(message_event(PASTE, ts=f"1900000500.{n:06d}"), f"EvKill{n}") for n in range(50)]
    with ThreadPoolExecutor(8) as senders:
        acks = list(senders.map(lambda e: post_event(base + "/slack/events", *e).status, events))
    assert acks == [200] * 50  # every paste acked: Slack will not send these again on its own
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    slack_api.delay["chat.postMessage"] = 0
    lost_at_kill = 50 - len(set(answered_threads(slack_api)))
    again, base = http_bot(slack_api, url, INTAKE_LEASE_S="3")
    try:
        for event, event_id in events[::3]:  # and some arrive once more, as Slack redelivers
            assert post_event(base + "/slack/events", event, event_id, retry=1).status == 200
        deadline = time.monotonic() + 30
        while len(set(answered_threads(slack_api))) < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # anything extra would arrive now
        threads = answered_threads(slack_api)
        assert lost_at_kill > 0  # the kill did catch work in flight
        assert sorted(threads) == sorted(e["ts"] for e, _ in events)  # each answered, exactly once
    finally:
        stop(again)


def test_two_replicas_with_redis_down_answer_each_paste_once_and_remember_after_it_returns(slack_api, tmp_path):
    with running_redis() as server:
        a, base_a = http_bot(slack_api, server.url)
        b, base_b = http_bot(slack_api, server.url)
        try:
            server.stop()  # Redis goes away: each replica keeps its own claims meanwhile
            events = [(message_event(PASTE, ts=f"1900000600.{n:06d}"), f"EvDown{n}") for n in range(40)]
            for event, event_id in events:
                assert post_event(base_a + "/slack/events", event, event_id).status == 200
            slack_api.wait_for("chat.postMessage", count=40, timeout=20)
            for event, event_id in events:  # Slack's retries land on the other replica
                assert post_event(base_b + "/slack/events", event, event_id, retry=1).status == 200
            time.sleep(2.0)
            server.start()  # Redis is back (empty: what the replicas promised meanwhile is written to it)
            wait_store_ok(base_a)
            wait_store_ok(base_b)
            for event, event_id in events:  # late redeliveries, after the recovery
                assert post_event(base_b + "/slack/events", event, event_id, retry=2).status == 200
            time.sleep(2.0)
            threads = answered_threads(slack_api)
            assert sorted(threads) == sorted(e["ts"] for e, _ in events)
        finally:
            stop(a)
            stop(b)


def wait_store_ok(base: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while requests.get(base + "/readyz", timeout=5).json()["store"] != "ok":
        assert time.monotonic() < deadline, "the store never came back"
        time.sleep(0.2)


def test_sigterm_finishes_work_in_flight_and_refuses_new_work(slack_api, tmp_path):
    slack_api.delay["chat.postMessage"] = 1.5
    proc, base = http_bot(slack_api, f"sqlite:///{tmp_path}/state.sqlite3")
    for n in range(5):
        assert post_event(base + "/slack/events", message_event(PASTE, ts=f"1900000200.{n:06d}")).status == 200
    os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while requests.get(base + "/readyz", timeout=5).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert requests.get(base + "/readyz", timeout=5).json()["stopping"] is True
    late = post_event(base + "/slack/events", message_event(PASTE, ts="1900000200.999999"))
    assert late.status == 503  # Slack retries it: another replica, or this one after the restart
    assert proc.wait(20) == 0
    answered = slack_api.calls_to("chat.postMessage")
    if len(answered) < 5:  # a paste acked but not yet taken up when the stop came waits in the store
        again, _ = http_bot(slack_api, f"sqlite:///{tmp_path}/state.sqlite3")
        try:
            answered = slack_api.wait_for("chat.postMessage", count=5, timeout=20)
            time.sleep(0.5)  # room for a duplicate to show
            answered = slack_api.calls_to("chat.postMessage")
        finally:
            stop(again)
    # every paste acked before the stop is answered exactly once: before the exit, or by the next start
    assert sorted(c.body["thread_ts"] for c in answered) == [f"1900000200.{n:06d}" for n in range(5)]


def test_sighup_reloads_playbooks_and_a_broken_change_is_refused(slack_api, tmp_path):
    folder = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_DIR, folder)
    proc, base = http_bot(slack_api, "memory://", "--playbooks", str(folder))
    file: Path = folder / "dispatcher" / "ModelArts.4206.yaml"
    try:
        text = file.read_text()
        title = next(line for line in text.splitlines() if line.startswith("title: "))
        file.write_text(text.replace(title, "title: Retitled by SIGHUP"))
        os.kill(proc.pid, signal.SIGHUP)
        answered = []
        for n in range(50):
            post_event(base + "/slack/events", message_event(PASTE, ts=f"1900000300.{n:06d}"))
            answered = slack_api.wait_for("chat.postMessage", count=n + 1, timeout=5)
            if "Retitled by SIGHUP" in answered[-1].body["text"]:
                break
            time.sleep(0.1)
        assert "Retitled by SIGHUP" in answered[-1].body["text"]
        file.write_text("code: ModelArts.4206\ntitle: [broken\n")
        os.kill(proc.pid, signal.SIGHUP)
        time.sleep(1.0)
        count = len(slack_api.calls_to("chat.postMessage"))
        post_event(base + "/slack/events", message_event(PASTE, ts="1900000399.000001"))
        latest = slack_api.wait_for("chat.postMessage", count=count + 1, timeout=5)[-1]
        assert "Retitled by SIGHUP" in latest.body["text"]  # the last good knowledge base still answers
    finally:
        logs = stop(proc)
    assert "dispatcher/ModelArts.4206.yaml:3: invalid YAML" in logs
