"""Prometheus metrics (``GET /metrics``): what the bot received, answered, dropped, and how fast.

Every series is named ``modelarts_triage_*`` with its unit in the name where it has one, beside the
process (``process_*``) and interpreter (``python_*``) collectors; no ``_created`` series. One registry
per running bot, so tests and several bots in one process never share counters. ``METRICS`` documents
each metric; the README's table is generated from it (and a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

PREFIX = "modelarts_triage_"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("events_total", "counter", "kind", "Slack events, commands and interactions received."),
    ("answers_total", "counter", "playbook", "Answers posted, by playbook (`none`: asked directly, nothing matched)."),
    ("silences_total", "counter", "", "Messages read and left unanswered (no known error in them)."),
    ("duplicates_dropped_total", "counter", "", "Repeated deliveries dropped (Slack retries, twin mention events)."),
    ("ack_seconds", "histogram", "", "Time to answer Slack's request (the ack)."),
    ("reply_seconds", "histogram", "", "Time from taking a paste in to its answer posted."),
    ("probe_verdicts_total", "counter", "verdict", "Live probe results, by verdict (`refused` included)."),
    ("slack_api_errors_total", "counter", "error", "Slack Web API calls that failed, by Slack's error."),
    ("store_errors_total", "counter", "op", "State store calls that failed (the bot went on with local state)."),
    ("intake_jobs_total", "counter", "outcome", "Pastes worked from the inbox: done, retried, given_up, failed."),
    ("inbox_jobs", "gauge", "", "Pastes taken in and not answered yet (all replicas)."),
    ("playbook_reloads_total", "counter", "result", "Knowledge base reloads: ok, refused."),
)  # fmt: skip
"""(name after the prefix, type, labels, meaning) of every metric the bot exports."""

disable_created_metrics()  # the ``_created`` series double every counter and say nothing an operator uses


class Metrics:
    def __init__(self):
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        r.register(PLATFORM_COLLECTOR)
        r.register(GC_COLLECTOR)
        meaning = {name: text for name, _, _, text in METRICS}

        def counter(name: str, *labels: str) -> Counter:
            return Counter(PREFIX + name, meaning[name], labels, registry=r)

        def histogram(name: str) -> Histogram:
            return Histogram(PREFIX + name, meaning[name], buckets=LATENCY_BUCKETS, registry=r)

        self.events = counter("events_total", "kind")
        self.answers = counter("answers_total", "playbook")
        self.silences = counter("silences_total")
        self.duplicates = counter("duplicates_dropped_total")
        self.ack_seconds = histogram("ack_seconds")
        self.reply_seconds = histogram("reply_seconds")
        self.probes = counter("probe_verdicts_total", "verdict")
        self.slack_errors = counter("slack_api_errors_total", "error")
        self.store_errors = counter("store_errors_total", "op")
        self.intake = counter("intake_jobs_total", "outcome")
        self.reloads = counter("playbook_reloads_total", "result")
        self.inbox = Gauge(PREFIX + "inbox_jobs", meaning["inbox_jobs"], registry=r)

    def count_inbox(self, backlog: Callable[[], int]) -> None:
        """Read the inbox's size from ``backlog`` at each scrape."""
        self.inbox.set_function(backlog)

    def exposition(self) -> tuple[bytes, str]:
        """The body and content type for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def metrics_table() -> str:
    """The README's metrics table (Markdown), from ``METRICS``."""
    rows = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
    for name, kind, labels, text in METRICS:
        rows.append(f"| `{PREFIX}{name}` | {kind} | {f'`{labels}`' if labels else ''} | {text} |")
    return "\n".join(rows) + "\n"
