"""The Bolt app: middleware first, then thin listeners that hand their work to the responder.

Events are acked by Bolt before any listener runs; listeners only enqueue work, and button
clicks ``ack()`` first. Every event type the app subscribes to has a listener, so Slack never
retries for want of an ack.
"""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.console import PREDICT_CHECK
from bot.render.blocks import HELPFUL, RUN_PROBE, UNHELPFUL
from bot.slack.middleware import count_and_tag, drop_repeated_events, probe_gate, skip_bot_messages
from bot.slack.responder import Paste, Responder

LISTENER_THREADS = 16
"""Bolt's own pool: listeners only enqueue, so a few threads keep acks instant."""


def build_app(client: WebClient, responder: Responder, signing_secret: str | None = None) -> App:
    """The app for both transports (HTTP and Socket Mode). Calls auth.test once, to fail fast on a bad token."""
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        listener_executor=responder.listener_executor(LISTENER_THREADS),
    )
    app.middleware(count_and_tag(responder.metrics))
    app.middleware(skip_bot_messages)
    app.middleware(drop_repeated_events(responder.store, responder.metrics))

    @app.event("app_mention")
    def on_mention(event, client):
        responder.submit(responder.answer, client, Paste.of(event, addressed=True))

    @app.event({"type": "message", "subtype": "message_changed"})
    def on_edit(event, context, client):
        edited = event.get("message") or {}
        if "ts" not in edited:
            return
        addressed = event.get("channel_type") == "im" or _mentions(edited.get("text"), context.bot_user_id)
        paste = Paste.of(edited, channel=event["channel"], addressed=addressed)
        previous = (event.get("previous_message") or {}).get("text") or ""
        responder.submit(responder.revise, client, paste, previous)

    @app.event({"type": "message", "subtype": "file_share"})  # long pastes become snippets, maybe with no text
    @app.message()
    def on_message(event, context, client):
        direct = event.get("channel_type") == "im"
        if not direct and _mentions(event.get("text"), context.bot_user_id):
            return  # app_mention delivers the same message; that listener answers it
        responder.submit(responder.answer, client, Paste.of(event, addressed=direct))

    @app.event("message")
    def on_other_message_events():
        """Joins, leaves, deletions and other subtypes: acked, nothing to do."""

    if responder.policy is not None:
        gate = probe_gate(responder.policy, responder.submit)

        @app.command(PREDICT_CHECK, middleware=[gate])
        def on_predict_check(ack, command, context, client, respond):
            ack()
            target = context["probe_target"]
            responder.submit(responder.run_probe, client, command["channel_id"], None, target, respond)

        @app.action(RUN_PROBE, middleware=[gate])
        def on_run_probe(ack, body, context, client, respond):
            ack()
            message = body.get("message") or {}
            thread_ts = message.get("thread_ts") or message.get("ts")
            target = context["probe_target"]
            responder.submit(responder.run_probe, client, body["channel"]["id"], thread_ts, target, respond)

    @app.action(HELPFUL)
    def on_helpful(ack, body, client):
        ack()
        responder.submit(responder.record_feedback, client, body, True)

    @app.action(UNHELPFUL)
    def on_unhelpful(ack, body, client):
        ack()
        responder.submit(responder.record_feedback, client, body, False)

    return app


def _mentions(text: str | None, bot_user_id: str | None) -> bool:
    return bool(text and bot_user_id and f"<@{bot_user_id}>" in text)
