"""Nothing lost, nothing twice: Slack failing, connections dropping, edits racing the answer, stores failing."""

from __future__ import annotations

import sqlite3
import time

import pytest

from bot.store.memory import MemoryStore
from bot.store.resilient import ResilientStore
from bot.store.sqlite import SqliteStore
from tests.doubles.slack_api import Scripted
from tests.doubles.slack_requests import message_event
from tests.test_store import a_job

PASTE_413 = '413 {"error_code":"APIG.0201","error_msg":"Request entity too large"}'
PASTE_4206 = '429 {"error_code":"ModelArts.4206","error_msg":"Excessive number of requests to svc."}'


def answers_in(chat, thread: str, channel: str = "C1"):
    return [m for m in chat.messages(channel) if m.thread_ts == thread]


@pytest.mark.parametrize(
    ("failures", "calls"),
    [
        ([Scripted.rate_limited(retry_after=0)] * 4, 5),  # slack_sdk retries three times, then the inbox once
        ([Scripted.server_error(500)] * 3, 4),  # a 5xx post is never repeated blindly: the inbox looks, then posts
        ([Scripted.server_error(503)] * 2 + [Scripted.rate_limited(retry_after=0)] * 4, 7),
    ],
)
def test_slack_failing_for_a_while_still_gives_exactly_one_answer(chat, failures, calls):
    chat.api.script("chat.postMessage", *failures)
    answer = chat.say(PASTE_413, ts="1700000100.000100")
    assert answer is not None and "APIG.0201" in answer.text
    assert len(answers_in(chat, "1700000100.000100")) == 1
    assert len(chat.api.calls_to("chat.postMessage")) == calls
    assert chat.runtime.metrics.intake.labels(outcome="retried")._value.get() >= 1


def test_a_connection_dropped_after_slack_posted_gives_no_second_answer(chat):
    chat.api.script("chat.postMessage", Scripted.dropped())
    answer = chat.say(PASTE_413, ts="1700000101.000100")
    assert answer is not None
    assert len(answers_in(chat, "1700000101.000100")) == 1
    assert len(chat.api.calls_to("chat.postMessage")) == 1  # looked in the thread, found it, did not post again
    (looked,) = chat.api.calls_to("conversations.replies")
    assert looked.body["ts"] == "1700000101.000100"
    helpful = chat.click(answer, "feedback_helpful")  # the answer found again is the bot's own: its buttons work
    assert helpful is not None and "1 found this helpful" in helpful.shown


def test_giving_up_after_the_last_attempt_is_logged_and_counted(chat_factory, caplog):
    chat = chat_factory(env={"INTAKE_ATTEMPTS": "3"})
    chat.api.script("chat.postMessage", *[Scripted.server_error(500)] * 3)
    assert chat.say(PASTE_413, ts="1700000102.000100") is None
    assert "giving up on paste:C1:1700000102.000100 after 3 attempts" in caplog.text
    assert chat.runtime.metrics.intake.labels(outcome="given_up")._value.get() == 1
    assert chat.runtime.store.backlog() == 0
    assert chat.say(PASTE_4206) is not None  # and the bot carries on


def test_an_edit_made_while_the_answer_is_posted_is_applied_after_it_every_time(chat):
    for run in range(10):
        ts = f"17000002{run:02d}.000100"
        chat.api.script("chat.postMessage", Scripted(delay=0.25))
        chat.deliver(message_event(PASTE_413, ts=ts, channel="C1", user="U1"))
        time.sleep(0.05)  # the answer to the first text is on its way to Slack
        chat.deliver(chat.edit_event(ts, PASTE_4206))
        chat.settle()
        (answer,) = answers_in(chat, ts)
        assert "ModelArts.4206" in answer.text and "APIG.0201" not in answer.text, f"run {run}: {answer.history}"


def test_a_full_sqlite_disk_degrades_visibly_and_still_answers(chat_factory, tmp_path, caplog):
    chat = chat_factory(env={"STATE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}, store=None)
    store = chat.runtime.store
    pages = store.primary._read("PRAGMA page_count")[0][0]
    store.primary._conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: the file cannot grow
    answered = [chat.say(PASTE_413 + " " + "x" * 3000, ts=f"17000003{i:02d}.000100") for i in range(30)]
    assert all(a is not None for a in answered)
    ready, detail = chat.runtime.ready()
    assert ready and detail["store"].startswith("degraded")
    metrics = chat.runtime.metrics.exposition()[0].decode()
    assert "modelarts_triage_store_errors_total{op=" in metrics
    assert caplog.text.count("state store failed") == 1  # one line for the outage, not one per call


def test_claims_made_while_the_store_was_down_are_kept_when_it_returns(tmp_path):
    path = tmp_path / "bot.sqlite3"
    primary = SqliteStore(str(path))
    store = ResilientStore(primary, MemoryStore())
    writable = primary._conn
    primary._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    assert store.enqueue(a_job("5.0")) and store.claim("event:Ev9")  # read-only: both land in the fallback
    assert store.degraded and store.health().startswith("degraded")
    primary._conn.close()
    primary._conn = writable  # writable again
    assert store.health() == "ok"
    assert primary.claim("job:paste:C1:5.0") is False and primary.claim("event:Ev9") is False
    assert store.enqueue(a_job("5.0")) is False  # a redelivery after the recovery is still a repeat
    store.close()
