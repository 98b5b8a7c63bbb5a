"""Takes pastes in before the ack: each message, mention or edit the bot may answer is written to the inbox.

The middleware runs before Bolt acks, so a paste Slack was told we have is in the store (SQLite or
Redis) and survives a crash; workers answer it from there (``bot.intake``). A paste's deletion
(``message_deleted``, or the tombstone Slack leaves for a deleted message with replies) is a job too,
in the same order as the paste's others: its answer is taken down. Nothing heavy runs here:
the text is cut to Slack's own limit, then redacted (the inbox is stored data), and shared files are
kept as ids, read only when the job is worked.

A mention in a channel comes twice (``app_mention`` and ``message``) and Slack redelivers what it
thinks was not acked: both make the same job key, and the inbox takes each key once.
"""

from __future__ import annotations

import time

from slack_bolt import BoltResponse

from bot.intake import Intake
from bot.metrics import Metrics
from bot.redact import redact
from bot.slack.message_text import file_ids, message_text
from bot.store import REPLY_TTL_S, Job, deleted_key
from bot.textnorm import bound

SLACK_TEXT_LIMIT = 40_000
"""Slack cuts a message's text at 40,000 characters; a longer one is forged or broken, and cut the same way."""
PASTE_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})
"""Message subtypes a person writes (joins, bot messages, deletions... are not pastes)."""
NO_RETRY = {"x-slack-no-retry": "1"}


def take_in(intake: Intake, metrics: Metrics):
    """Middleware: a paste becomes a job in the inbox and is acked at once; other requests go on."""

    def take_in(body: dict, context, next, logger) -> BoltResponse | None:
        job = job_of(body, context.bot_user_id) if body.get("type") == "event_callback" else None
        if job is None:
            return next()
        if job.kind == "delete":  # from now on the paste is never answered, even by a job taken in before
            intake.store.incr(deleted_key(job.channel, job.ts), REPLY_TTL_S)
        if not intake.take_in(job):
            metrics.duplicates.inc()
            logger.info("dropped a repeated delivery of %s", job.key)
            return BoltResponse(status=200, body="", headers=NO_RETRY)
        return BoltResponse(status=200, body="")

    return take_in


def job_of(body: dict, bot_user_id: str | None) -> Job | None:
    """The job an event asks for; None when it is not a paste (or an edit that changed nothing we read)."""
    event = body.get("event") or {}
    if event.get("type") == "app_mention":
        return _job("paste", event, message_text(event), event.get("channel"), True, body)
    if event.get("type") != "message" or not event.get("channel"):
        return None
    direct = event.get("channel_type") == "im"
    subtype = event.get("subtype")
    if subtype in PASTE_SUBTYPES:
        text = message_text(event)
        return _job("paste", event, text, event["channel"], direct or _mentions(text, bot_user_id), body)
    if subtype == "message_deleted" or (subtype == "message_changed" and _tombstone(event.get("message") or {})):
        deleted = event.get("previous_message") or event.get("message") or {}
        ts = event.get("deleted_ts") or deleted.get("ts")
        return _job("delete", {**deleted, "ts": ts}, "", event["channel"], False, body) if ts else None
    if subtype == "message_changed":
        edited, before = event.get("message") or {}, event.get("previous_message") or {}
        text = message_text(edited)
        if "ts" not in edited or (text, edited.get("files")) == (message_text(before), before.get("files")):
            return None  # Slack also sends message_changed when it adds a link preview
        return _job("edit", edited, text, event["channel"], direct or _mentions(text, bot_user_id), body)
    return None


def _tombstone(message: dict) -> bool:
    """A deleted message that had thread replies: Slack keeps its place as a "This message was deleted." tombstone."""
    return message.get("subtype") == "tombstone" or (message.get("hidden") is True and not message.get("user"))


def _job(kind: str, message: dict, text: str, channel: str | None, addressed: bool, body: dict) -> Job | None:
    if not isinstance(channel, str) or not channel or not isinstance(message.get("ts"), str):
        return None  # not a message Slack would send: nothing to answer
    text, _ = bound(text, SLACK_TEXT_LIMIT)
    cleaned = redact(text)
    ts = message["ts"]
    version = (message.get("edited") or {}).get("ts") or body.get("event_time") or body.get("event_id") or ""
    key = (
        f"paste:{channel}:{ts}"
        if kind == "paste"
        else f"{kind}:{channel}:{ts}" + (f":{version}" if kind == "edit" else "")
    )
    return Job(
        key=key,
        kind=kind,
        channel=channel,
        ts=ts,
        thread_ts=message.get("thread_ts") or ts,
        user=message.get("user"),
        text=cleaned.text,
        addressed=addressed,
        files=file_ids(message),
        secrets=cleaned.kinds,
        received=time.time(),
    )


def _mentions(text: str | None, bot_user_id: str | None) -> bool:
    return bool(text and bot_user_id and f"<@{bot_user_id}>" in text)
