"""Prometheus metrics (``GET /metrics``): what the bot received, answered, dropped, and how fast.

One registry per running bot, so tests and several bots in one process never share counters.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter("bot_events_total", "Slack events and interactions received", ["kind"], registry=r)
        self.answers = Counter("bot_answers_total", "Answers posted, by playbook", ["playbook"], registry=r)
        self.silences = Counter("bot_silences_total", "Messages read and left unanswered", registry=r)
        self.duplicates = Counter("bot_duplicates_dropped_total", "Repeated deliveries dropped", registry=r)
        self.ack_seconds = Histogram(
            "bot_ack_seconds", "Time to answer Slack's request (the ack)", buckets=LATENCY_BUCKETS, registry=r
        )
        self.reply_seconds = Histogram(
            "bot_reply_seconds", "Time from receiving a paste to its answer posted", buckets=LATENCY_BUCKETS, registry=r
        )
        self.probes = Counter("bot_probe_verdicts_total", "Probe results, by verdict", ["verdict"], registry=r)
        self.slack_errors = Counter(
            "bot_slack_api_errors_total", "Slack Web API calls that failed", ["error"], registry=r
        )
        self.store_errors = Counter("bot_store_errors_total", "State store calls that failed", ["op"], registry=r)
        self.intake = Counter(
            "bot_intake_jobs_total", "Pastes worked from the inbox, by outcome (done, retried, given_up, failed)",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.reloads = Counter("bot_playbook_reloads_total", "Knowledge base reloads", ["result"], registry=r)

    def exposition(self) -> tuple[bytes, str]:
        """The body and content type for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
