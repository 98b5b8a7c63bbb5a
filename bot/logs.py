"""Logging: one JSON object per line on stderr, every message passed through the secret filter.

A record may carry structured fields (``extra={"fields": {...}}``): they become keys of its object. They are
facts the code chose (ids, names, numbers), never text from a paste; string values are masked all the same.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

from bot.redact import mask

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
"""The Slack event id (or interaction trigger id) being handled; copied into reply work."""


class RedactingFilter(logging.Filter):
    """Masks credentials in every record, whatever logger or handler it goes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = mask(message), None
        fields = getattr(record, "fields", None)
        if fields:
            record.fields = {k: mask(v) if isinstance(v, str) else v for k, v in fields.items()}
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "INFO", stream=None) -> None:
    """Route every logger through one redacting, JSON-writing handler at ``level`` (a name, in any case).

    An unknown level raises ``ValueError`` naming the accepted ones, before anything changes.
    """
    number = logging.getLevelNamesMapping().get(level.strip().upper())
    if number is None:
        raise ValueError(f"LOG_LEVEL={level!r} is not a log level; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(number)
    for noisy in ("slack_bolt", "slack_sdk", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, number))
