"""State the bot keeps between events, behind one interface.

The inbox of pastes taken in and not yet answered (``Job``: enqueued before the ack, leased by a
worker, finished after the answer is posted, taken over when a lease runs out), dedup claims with a
time-to-live, the map from a paste to the bot's reply (for edits and probe results), feedback votes,
rate-limit counters, answer counts, and a redacted log of knowledge gaps (pastes that matched nothing,
answers voted "Not helpful"). Backends implement ``Store``: SQLite (default), Redis (several
replicas), and process memory; nothing else touches storage.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field

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
    lang: str = "en"
    """The language the answer speaks (the poster's): follow-ups to clicks on it speak it too."""

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str | bytes) -> Reply:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class Job:
    """A paste, or an edit of one, taken in before the ack and waiting in the inbox to be answered.

    Its text is already cut and redacted: the inbox is stored data. Jobs of one paste are leased in
    the order they were taken in, one at a time, so an edit is applied after the answer it changes.
    """

    key: str
    """Unique per delivery worth answering: ``paste:C1:1.0``, ``edit:C1:1.0:2.0``; a repeat is refused."""
    kind: str
    """``paste``, ``edit`` or ``delete``."""
    channel: str
    ts: str
    """The paste's own ts (for an edit too)."""
    thread_ts: str
    user: str | None
    text: str
    addressed: bool
    """The bot was mentioned, or messaged directly: it answers even when nothing matched."""
    files: tuple[str, ...] = ()
    """Ids of the files shared with the message (snippets are read when the job is worked)."""
    secrets: tuple[str, ...] = ()
    """Kinds of credential masked out of ``text`` (the poster is warned)."""
    received: float = 0.0
    """Unix time it was taken in."""
    attempt: int = 0
    """Attempts that failed so far."""
    uncertain: bool = False
    """An earlier attempt may have posted the answer (a dropped connection, a crash): look before posting."""
    ref: str = field(default="", compare=False)
    """The backend's handle on the leased job (not stored)."""

    @property
    def paste(self) -> str:
        return f"{self.channel}:{self.ts}"

    def dumps(self) -> str:
        fields = asdict(self)
        del fields["ref"]
        return json.dumps(fields, ensure_ascii=False)

    @classmethod
    def loads(cls, raw: str | bytes, ref: str = "") -> Job:
        fields = json.loads(raw)
        return cls(**{**fields, "files": tuple(fields["files"]), "secrets": tuple(fields["secrets"]), "ref": ref})


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
    def enqueue(self, job: Job, ttl_s: int = DEDUP_TTL_S) -> bool:
        """Put ``job`` in the inbox, durably, unless a job with its key was taken in within ``ttl_s``; True if new.

        The key's dedup claim is ``claim(job_claim(job.key))``, made in the same step.
        """

    @abstractmethod
    def lease(self, owner: str, lease_s: float) -> Job | None:
        """The oldest job due that no earlier unfinished job of its paste holds back, leased to ``owner``.

        Due: new, its retry time come, or its last lease run out (then it comes back ``uncertain``). Every
        replica leases for the same ``lease_s`` (Redis measures a lease by the taker's, as idle time).
        """

    @abstractmethod
    def finish(self, job: Job) -> bool:
        """Take a leased job out of the inbox; False when it was finished already (its lease ran out, another took it)."""

    @abstractmethod
    def retry(self, job: Job, delay_s: float) -> None:
        """Put a leased job back, as given (attempt, uncertain), due in ``delay_s`` seconds."""

    @abstractmethod
    def backlog(self) -> int:
        """Jobs in the inbox not finished yet, leased or waiting."""

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
    def votes_for(self, channel: str, reply_ts: str) -> list[Vote]:
        """The votes on one answer."""

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


def job_claim(key: str) -> str:
    """The dedup claim a job's key takes in the inbox."""
    return f"job:{key}"


def deleted_key(channel: str, paste_ts: str) -> str:
    """The counter (``incr``/``peek``) that marks a paste as deleted: it is never answered or revised again."""
    return f"deleted:{channel}:{paste_ts}"


def reply_key(channel: str, paste_ts: str) -> str:
    return f"reply:{channel}:{paste_ts}"
