"""Cross-cutting rules applied to every request before any listener: who is ignored, what is a repeat.

- Messages from bots (ours included) never reach a listener: no bot loops.
- An event Slack already delivered (same ``event_id``: retries after a slow ack, redeliveries up
  to minutes later, the same event on another replica) is acked and dropped, with
  ``x-slack-no-retry`` so Slack stops trying.
"""

from __future__ import annotations

from slack_bolt import BoltResponse

from bot.store import Store

NO_RETRY = {"x-slack-no-retry": "1"}


def skip_bot_messages(body: dict, next) -> BoltResponse | None:
    event = body.get("event") or {}
    inner = event.get("message") or {}
    if event.get("bot_id") or event.get("subtype") == "bot_message" or inner.get("bot_id"):
        return BoltResponse(status=200, body="")
    return next()


def drop_repeated_events(store: Store):
    """Middleware that claims each ``event_id`` once in ``store``."""

    def drop_repeated_events(body: dict, next, logger) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and body.get("type") == "event_callback" and not store.claim(f"event:{event_id}"):
            logger.info("dropped a repeated delivery of %s", event_id)
            return BoltResponse(status=200, body="", headers=NO_RETRY)
        return next()

    return drop_repeated_events
