"""The interaction protocol with Slack, in one place: the slash command, action and callback ids, what a
button's value carries, the metadata that marks an answer, and Slack's size limits.

A button carries only the timestamp of the paste its answer belongs to. What a click acts on (the
playbook voted on, the target to probe) is looked up in the bot's own record of that answer, so a
forged or replayed click cannot name a playbook or a target the bot never offered.
"""

from __future__ import annotations

import re

COMMAND = "/predict-check"
"""The slash command that probes a service on demand."""
HELPFUL = "feedback_helpful"
UNHELPFUL = "feedback_unhelpful"
RUN_PROBE = "run_probe"
SHOW_STEPS = "show_steps"
"""Action ids of the answer's buttons."""
DIAGNOSE_MESSAGE = "diagnose_message"
"""Callback id of the message shortcut "Diagnose this message"."""
FEEDBACK_BLOCK = "feedback"
PROBE_BLOCK = "probe"
VOTES_BLOCK = "votes"
"""Block ids of the answer's button rows and of its vote counts."""

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FALLBACK_LIMIT = 3000
CONTEXT_LIMIT = 2000
MAX_BLOCKS = 50
BUTTON_VALUE_LIMIT = 2000
"""Slack's limits: section text, header text, message fallback text, context text, blocks per message,
button value."""

_VALUE = re.compile(r"^p=(?P<ts>\d{1,12}\.\d{1,8})$")


def button_value(paste_ts: str) -> str:
    """What every button of an answer carries: the paste it answers."""
    value = f"p={paste_ts}"
    if not _VALUE.match(value):
        raise ValueError(f"not a Slack message timestamp: {paste_ts!r}")
    return value


def paste_of(value: str | None) -> str | None:
    """The paste timestamp a button value names, or None for a value the bot did not issue."""
    m = _VALUE.match(value or "")
    return m.group("ts") if m else None


ANSWER_EVENT = "modelarts_triage_answer"
"""The metadata event type on every answer: its payload names the paste answered, so a retry after an
ambiguous failure can find an answer already posted (``conversations.replies`` with metadata)."""


def answer_metadata(paste_ts: str) -> dict:
    """The message metadata of the answer to the paste ``paste_ts``."""
    return {"event_type": ANSWER_EVENT, "event_payload": {"paste_ts": paste_ts}}


def answered_paste(message: dict) -> str | None:
    """The paste a message of the thread answers, when it is one of the bot's answers; else None."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != ANSWER_EVENT:
        return None
    paste_ts = (metadata.get("event_payload") or {}).get("paste_ts")
    return paste_ts if isinstance(paste_ts, str) else None
