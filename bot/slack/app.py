"""The Bolt app: middleware first, then thin listeners that hand each request to the responder.

Bolt acks events before any listener runs and runs listeners on the bot's one work pool, so acks
never wait for work; button clicks ``ack()`` first. Every event type the app subscribes to has a
listener, so Slack never retries for want of an ack.
"""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.metrics import Metrics
from bot.probe.desk import Probes
from bot.slack.middleware import count_and_tag, drop_repeated_events, probe_gate, skip_bot_messages
from bot.slack.protocol import COMMAND, HELPFUL, RUN_PROBE, UNHELPFUL
from bot.slack.responder import Paste, Responder
from bot.workpool import WorkPool


def build_app(
    client: WebClient, responder: Responder, pool: WorkPool, metrics: Metrics, signing_secret: str | None = None
) -> App:
    """The app for both transports (HTTP and Socket Mode). Calls auth.test once, to fail fast on a bad token."""
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        listener_executor=pool,
    )
    app.middleware(count_and_tag(metrics))
    app.middleware(skip_bot_messages)
    app.middleware(drop_repeated_events(responder.store, metrics))
    _pastes(app, responder)
    _votes(app, responder)
    if responder.probes is not None:
        _probes(app, responder, responder.probes, pool)
    return app


def _pastes(app: App, responder: Responder) -> None:
    @app.event("app_mention")
    def on_mention(event, client):
        responder.handle(client, Paste.of(event, addressed=True))

    @app.event({"type": "message", "subtype": "message_changed"})
    def on_edit(event, context, client):
        edited = event.get("message") or {}
        if "ts" not in edited:
            return
        addressed = event.get("channel_type") == "im" or _mentions(edited.get("text"), context.bot_user_id)
        paste = Paste.of(edited, channel=event["channel"], addressed=addressed)
        responder.handle(client, paste, previous_text=(event.get("previous_message") or {}).get("text") or "")

    @app.event({"type": "message", "subtype": "file_share"})  # long pastes become snippets, maybe with no text
    @app.message()
    def on_message(event, context, client):
        direct = event.get("channel_type") == "im"
        if not direct and _mentions(event.get("text"), context.bot_user_id):
            return  # app_mention delivers the same message; that listener answers it
        responder.handle(client, Paste.of(event, addressed=direct))

    @app.event("message")
    def on_other_message_events():
        """Joins, leaves, deletions and other subtypes: acked, nothing to do."""


def _votes(app: App, responder: Responder) -> None:
    @app.action(HELPFUL)
    def on_helpful(ack, body, client):
        ack()
        responder.record_feedback(client, body, True)

    @app.action(UNHELPFUL)
    def on_unhelpful(ack, body, client):
        ack()
        responder.record_feedback(client, body, False)


def _probes(app: App, responder: Responder, probes: Probes, pool: WorkPool) -> None:
    gate = probe_gate(probes, responder, pool.submit)

    @app.command(COMMAND, middleware=[gate])
    def on_predict_check(ack, command, context, client, respond):
        ack()
        responder.run_probe(client, command["channel_id"], None, context["probe_target"], respond)

    @app.action(RUN_PROBE, middleware=[gate])
    def on_run_probe(ack, body, context, client, respond):
        ack()
        target, thread = context["probe_target"], context["probe_thread"]
        responder.run_probe(client, body["channel"]["id"], thread, target, respond)


def _mentions(text: str | None, bot_user_id: str | None) -> bool:
    return bool(text and bot_user_id and f"<@{bot_user_id}>" in text)
