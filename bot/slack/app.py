"""The Bolt app: middleware first, then thin listeners that hand each request to the responder.

Pastes (messages, mentions, edits, deletions) are taken in by middleware, before the ack, into the
store's inbox; the intake's workers answer them from there. Bolt runs the other listeners (buttons,
the shortcut, the slash command, the Home tab) on the bot's one work pool, after the ack; they
``ack()`` first. Every event Slack may send is acked, so Slack never retries for want of an ack.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.intake import Intake
from bot.metrics import Metrics
from bot.probe.desk import Probes
from bot.slack.feedback import Feedback
from bot.slack.intake import take_in
from bot.slack.middleware import (
    ack_rate_limited,
    count_and_tag,
    drop_repeated_events,
    probe_gate,
    skip_bot_messages,
)
from bot.slack.protocol import COMMAND, DIAGNOSE_MESSAGE, HELPFUL, RUN_PROBE, SHOW_STEPS, UNHELPFUL
from bot.slack.responder import Responder
from bot.workpool import WorkPool


def build_app(
    client: WebClient,
    responder: Responder,
    intake: Intake,
    pool: WorkPool,
    metrics: Metrics,
    signing_secret: str | None = None,
) -> App:
    """The app for both transports (HTTP and Socket Mode). Calls auth.test once, to fail fast on a bad token."""
    logging.getLogger("slack_bolt.App").addFilter(_own_client_is_intended)
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        listener_executor=pool,
    )
    app.middleware(count_and_tag(metrics))
    app.middleware(ack_rate_limited)
    app.middleware(skip_bot_messages)
    app.middleware(take_in(intake, metrics))
    app.middleware(drop_repeated_events(responder.store, metrics))
    app.error(_on_error)
    _other_events(app, responder)
    _buttons(app, Feedback(responder.store, responder.matcher))
    _shortcut(app, responder)
    if responder.probes is not None:
        _probes(app, responder, responder.probes, pool)
    return app


def _own_client_is_intended(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused beside the client handed to it: the bot
    hands it its own client on purpose (with retry handlers that never repeat a post), so that warning is dropped."""
    return "will be unused" not in record.getMessage()


MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)
"""What reading a signed request of the wrong shape raises (``"event": null``, a number for ``text``...)."""


def _on_error(error: Exception, logger) -> BoltResponse:
    """A request of the wrong shape gets 400 and a warning; anything else 500 (Slack retries), with its traceback."""
    if isinstance(error, MALFORMED):
        logger.warning("refused a request of the wrong shape (%s: %s)", type(error).__name__, error)
        return BoltResponse(status=400, body="malformed request")
    logger.exception("could not handle a request")
    return BoltResponse(status=500, body="")


def _other_events(app: App, responder: Responder) -> None:
    @app.event("message")
    @app.event("app_mention")
    def on_other_message_events():
        """Joins, leaves, bot messages and other subtypes, and events too malformed to be a paste: acked."""

    @app.event("app_home_opened")
    def on_home_opened(event, client):
        if event.get("tab") == "home" and event.get("user"):
            responder.publish_home(client, event["user"])


def _buttons(app: App, feedback: Feedback) -> None:
    @app.action(HELPFUL)
    def on_helpful(ack, body, client, respond):
        ack()
        feedback.vote(client, body, True, respond)

    @app.action(UNHELPFUL)
    def on_unhelpful(ack, body, client, respond):
        ack()
        feedback.vote(client, body, False, respond)

    @app.action(SHOW_STEPS)
    def on_show_steps(ack, body, respond):
        ack()
        feedback.all_steps(body, respond)


def _shortcut(app: App, responder: Responder) -> None:
    @app.shortcut(DIAGNOSE_MESSAGE)
    def on_diagnose_message(ack, body, client, respond):
        ack()
        responder.diagnose_message(client, body, respond)


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
