"""State the bot keeps between events, behind one interface.

Dedup claims with a time-to-live, the map from a paste to the bot's reply (for edits and probe
results), feedback votes, and rate-limit counters. Backends implement ``Store``; nothing else touches storage.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass

DEDUP_TTL_S = 15 * 60
"""Slack redelivers for up to ~5 minutes; keys live well past that."""
REPLY_TTL_S = 7 * 24 * 3600
"""How long an answer can still be edited or voted on."""


@dataclass(frozen=True)
class Reply:
    """The bot's answer to one paste."""

    channel: str
    paste_ts: str
    reply_ts: str
    thread_ts: str
    playbook: str | None
    variant: str | None

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str | bytes) -> Reply:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class Vote:
    """One user's verdict on one answer."""

    channel: str
    reply_ts: str
    user: str
    helpful: bool
    playbook: str | None
    variant: str | None


class Store(ABC):
    """What every backend provides. Methods are safe to call from many threads."""

    @abstractmethod
    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        """Atomically take ``key`` for ``ttl_s`` seconds; False if someone holds it already."""

    @abstractmethod
    def release(self, key: str) -> None:
        """Give a claim back (the work it guarded failed and may be retried)."""

    @abstractmethod
    def save_reply(self, reply: Reply, ttl_s: int = REPLY_TTL_S) -> None:
        """Remember which message answers which paste."""

    @abstractmethod
    def reply_for(self, channel: str, paste_ts: str) -> Reply | None:
        """The bot's reply to a paste, if it answered it."""

    @abstractmethod
    def record_vote(self, vote: Vote) -> bool:
        """Store a vote, one per user per answer (a second vote replaces the first); True if new."""

    @abstractmethod
    def votes(self) -> list[Vote]:
        """Every vote recorded (for stats)."""

    @abstractmethod
    def incr(self, key: str, ttl_s: int) -> int:
        """Count one more hit in a fixed window of ``ttl_s`` seconds that starts at the first hit."""

    def ping(self) -> bool:
        """Whether the backend answers (for readiness checks)."""
        return True


def reply_key(channel: str, paste_ts: str) -> str:
    return f"reply:{channel}:{paste_ts}"
