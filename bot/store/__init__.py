"""State the bot keeps between events, behind one interface.

Dedup claims with a time-to-live, the map from a paste to the bot's reply (for edits and probe
results), feedback votes, rate-limit counters, answer counts, and a redacted log of knowledge gaps
(pastes that matched nothing, answers voted "Not helpful"). Backends implement ``Store``: SQLite
(default), Redis (several replicas), and process memory; nothing else touches storage.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass

DEDUP_TTL_S = 15 * 60
"""Slack redelivers for up to ~5 minutes; keys live well past that."""
REPLY_TTL_S = 7 * 24 * 3600
"""How long an answer can still be edited or voted on."""
GAP_TEXT_LIMIT = 4000
"""Characters of a (redacted) paste kept in the gap log."""
GAPS_KEPT = 10_000
"""Newest gaps every backend keeps; older ones are dropped."""


@dataclass(frozen=True)
class Reply:
    """The bot's answer to one paste."""

    channel: str
    paste_ts: str
    reply_ts: str
    thread_ts: str
    playbook: str | None
    variant: str | None
    paste_text: str = ""
    """The paste, redacted and cut to GAP_TEXT_LIMIT: logged as a gap if the answer is voted unhelpful."""
    probe: str | None = None
    """What the answer's "Run live probe" button probes (a service name or a URL), if it has one."""

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


@dataclass(frozen=True)
class Gap:
    """A paste the knowledge base did not answer well, kept (redacted) for playbook authors."""

    at: float
    """Unix time."""
    kind: str
    """``unmatched`` or ``unhelpful``."""
    text: str
    channel: str
    playbook: str | None = None
    variant: str | None = None

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str | bytes) -> Gap:
        return cls(**json.loads(raw))


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

    @abstractmethod
    def peek(self, key: str) -> int:
        """How many hits ``incr`` has counted in ``key``'s current window (0 when none or expired); changes nothing."""

    @abstractmethod
    def count_answer(self, playbook: str | None, variant: str | None) -> None:
        """Count one answer given (playbook None: asked directly, nothing matched)."""

    @abstractmethod
    def answer_counts(self) -> dict[tuple[str | None, str | None], int]:
        """Answers given so far, by (playbook, variant)."""

    @abstractmethod
    def log_gap(self, gap: Gap) -> None:
        """Keep a gap (its text must already be redacted and cut to GAP_TEXT_LIMIT)."""

    @abstractmethod
    def gaps(self, since: float = 0.0) -> list[Gap]:
        """Gaps logged at or after unix time ``since``, oldest first."""

    def ping(self) -> bool:
        """Whether the backend answers (for readiness checks)."""
        return True

    def health(self) -> str:
        """``ok``, ``degraded: …`` (answering from a fallback) or ``down``; asks the backend (I/O)."""
        return "ok" if self.ping() else "down"

    @property
    def degraded(self) -> bool:
        """Whether the last call had to use a fallback; no I/O (for liveness)."""
        return False

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release connections and files."""


def reply_key(channel: str, paste_ts: str) -> str:
    return f"reply:{channel}:{paste_ts}"
