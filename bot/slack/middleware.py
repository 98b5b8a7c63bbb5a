"""Cross-cutting rules applied to every request before any listener: who is ignored, what is a repeat.

- Slack's notice that it is rate-limiting the app's events (``app_rate_limited``) is acked and logged.
- Messages from bots (ours included) never reach a listener: no bot loops.
- An event Slack already delivered (same ``event_id``: retries after a slow ack, redeliveries up
  to minutes later, the same event on another replica) is acked and dropped, with
  ``x-slack-no-retry`` so Slack stops trying.
"""

from __future__ import annotations

import uuid

from slack_bolt import BoltResponse

from bot.guide import asks_for_help, guide
from bot.logs import request_id
from bot.metrics import Metrics
from bot.probe.desk import Probes
from bot.slack.blocks import render_help
from bot.slack.feedback import clicked_answer
from bot.slack.responder import Responder
from bot.store import Store

NO_RETRY = {"x-slack-no-retry": "1"}


def skip_bot_messages(body: dict, next) -> BoltResponse | None:
    event = body.get("event") or {}
    inner = event.get("message") or {}
    if event.get("bot_id") or event.get("subtype") == "bot_message" or inner.get("bot_id"):
        return BoltResponse(status=200, body="")
    return next()


def ack_rate_limited(body: dict, next, logger) -> BoltResponse | None:
    """Slack says it is holding back this app's events (``app_rate_limited``): acked, and said in the logs."""
    if body.get("type") == "app_rate_limited":
        logger.warning("Slack is rate-limiting this app's events (minute %s)", body.get("minute_rate_limited"))
        return BoltResponse(status=200, body="")
    return next()


def count_and_tag(metrics: Metrics):
    """Middleware that counts every request by kind and tags the logs with its event or trigger id."""

    def count_and_tag(body: dict, next) -> BoltResponse | None:
        event = body.get("event") or {}
        kind = event.get("type") or body.get("command") or body.get("type") or "other"
        metrics.events.labels(kind=kind).inc()
        request_id.set(body.get("event_id") or body.get("trigger_id") or uuid.uuid4().hex[:12])
        return next()

    return count_and_tag


def drop_repeated_events(store: Store, metrics: Metrics):
    """Middleware that claims each ``event_id`` once in ``store``."""

    def drop_repeated_events(body: dict, next, logger) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and body.get("type") == "event_callback" and not store.claim(f"event:{event_id}"):
            metrics.duplicates.inc()
            logger.info("dropped a repeated delivery of %s", event_id)
            return BoltResponse(status=200, body="", headers=NO_RETRY)
        return next()

    return drop_repeated_events


def probe_gate(probes: Probes, responder: Responder, submit):
    """Listener middleware for /predict-check and "Run live probe": the policy admits or refuses.

    A slash command names its target; a button is looked up in the bot's record of the answer it sits
    on (a click on anything else is ignored). An admitted request carries ``context["probe_target"]``
    and ``context["probe_thread"]`` (the paste's thread, for a button); a refusal goes to the asker alone.
    A slash command delivered again with the same ``trigger_id`` is dropped.
    """

    def probe_gate(body: dict, context, next, respond, logger) -> BoltResponse | None:
        command = "command" in body
        if command:
            if body.get("trigger_id") and not probes.policy.store.claim(f"trigger:{body['trigger_id']}"):
                logger.info("dropped a repeated slash command (trigger %s)", body["trigger_id"])
                return BoltResponse(status=200, body="")
            text, user, channel = body.get("text") or "", body.get("user_id"), body.get("channel_id")
            if asks_for_help(text):
                lang = "zh" if not text.isascii() else "en"
                message = render_help(guide(probes.policy), lang)
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": message.text,
                                                      "blocks": message.blocks})  # fmt: skip
        else:
            reply = clicked_answer(responder.store, body)
            if reply is None or not reply.probe:
                logger.warning("ignored a probe click that no answer of the bot's offered")
                return BoltResponse(status=200, body="")
            text, user, channel = reply.probe, (body.get("user") or {}).get("id"), reply.channel
            context["probe_thread"] = reply.thread_ts
        decision = probes.policy.resolve(text)
        refusal = decision.refusal or probes.policy.take(user, channel).refusal
        if refusal:
            if command:
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": refusal})
            submit(respond, text=refusal, response_type="ephemeral", replace_original=False)  # not on the ack path
            return BoltResponse(status=200, body="")
        context["probe_target"] = decision.target
        return next()

    return probe_gate
