"""SQLite store: the default backend, one file shared by the processes of a single host, kept across restarts."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bot.store import DEDUP_TTL_S, GAPS_KEPT, REPLY_TTL_S, Gap, Job, Reply, Store, Vote, job_claim

SCHEMA_VERSION = 2
"""Kept in ``PRAGMA user_version``; bump it (and migrate on open) when the tables change. Version 2 added
the inbox (new tables need no migration: ``CREATE TABLE IF NOT EXISTS`` adds them to a version 1 file)."""
PRUNE_EVERY = 500
"""Writes between two sweeps of expired claims, counters and replies."""
BUSY_TIMEOUT_MS = 5000

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS replies (
    channel TEXT NOT NULL, paste_ts TEXT NOT NULL, reply TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (channel, paste_ts)
);
CREATE TABLE IF NOT EXISTS votes (
    channel TEXT NOT NULL, reply_ts TEXT NOT NULL, user TEXT NOT NULL, helpful INTEGER NOT NULL,
    playbook TEXT, variant TEXT,
    PRIMARY KEY (channel, reply_ts, user)
);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, expires_at REAL NOT NULL, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    playbook TEXT NOT NULL, variant TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (playbook, variant)
);
CREATE TABLE IF NOT EXISTS gaps (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, gap TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS gaps_at ON gaps (at);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, paste TEXT NOT NULL, job TEXT NOT NULL,
    due REAL NOT NULL, owner TEXT, lease_until REAL
);
CREATE INDEX IF NOT EXISTS inbox_paste ON inbox (paste, id);
"""


class SqliteStore(Store):
    """One connection guarded by a lock; each write is a ``BEGIN IMMEDIATE`` transaction.

    A single connection (``check_same_thread=False``) rather than one per thread: SQLite serialises
    writers anyway, every statement here is short, and ``close()`` then has exactly one handle to
    release instead of connections left behind by finished worker threads. Other processes on the
    same file are kept out by SQLite's own locks (``busy_timeout`` makes them wait, not fail).

    Times are wall-clock unix seconds from ``clock`` so claims and replies outlive a restart.
    """

    def __init__(self, path: str, clock=time.time):
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._writes = 0
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions, each write opens its own explicitly.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._wal()
        # In WAL mode NORMAL loses nothing when the process dies (kill -9, OOM): a commit is in the WAL
        # file once COMMIT returns. Only a power cut or kernel crash may drop the last few commits.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{path} has schema version {version}; this bot knows up to {SCHEMA_VERSION}")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _wal(self) -> None:
        """Switch the file to WAL. Replicas opening a new file at once race for it, and SQLite answers that race
        with "database is locked" at once rather than through the busy handler: try again until the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds SQLite's write lock from its first statement."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._writes += 1
                if self._writes % PRUNE_EVERY == 0:
                    self._prune()
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _prune(self) -> None:
        """Drop what has expired, inside the current write transaction (so it never waits for the lock)."""
        now = self._clock()
        self._conn.execute("DELETE FROM claims WHERE expires_at <= ?", (now,))
        self._conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        self._conn.execute("DELETE FROM replies WHERE expires_at <= ?", (now,))
        self._conn.execute(
            "DELETE FROM gaps WHERE id NOT IN (SELECT id FROM gaps ORDER BY at DESC, id DESC LIMIT ?)", (GAPS_KEPT,)
        )

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        with self._write() as conn:
            return self._claim(conn, key, ttl_s)

    def _claim(self, conn: sqlite3.Connection, key: str, ttl_s: float) -> bool:
        now = self._clock()
        conn.execute("DELETE FROM claims WHERE key = ? AND expires_at <= ?", (key, now))
        inserted = conn.execute("INSERT OR IGNORE INTO claims (key, expires_at) VALUES (?, ?)", (key, now + ttl_s))
        return inserted.rowcount == 1

    def enqueue(self, job: Job, ttl_s: int = DEDUP_TTL_S) -> bool:
        with self._write() as conn:
            if not self._claim(conn, job_claim(job.key), ttl_s):
                return False
            conn.execute("INSERT INTO inbox (paste, job, due) VALUES (?, ?, 0)", (job.paste, job.dumps()))
            return True

    def lease(self, owner: str, lease_s: float) -> Job | None:
        now = self._clock()
        with self._write() as conn:
            row = conn.execute(
                "SELECT id, job, owner FROM inbox AS i WHERE due <= :now AND (owner IS NULL OR lease_until <= :now) "
                "AND NOT EXISTS (SELECT 1 FROM inbox AS e WHERE e.paste = i.paste AND e.id < i.id) "
                "ORDER BY id LIMIT 1",
                {"now": now},
            ).fetchone()
            if row is None:
                return None
            ref, raw, previous_owner = row
            conn.execute("UPDATE inbox SET owner = ?, lease_until = ? WHERE id = ?", (owner, now + lease_s, ref))
        job = Job.loads(raw, ref=str(ref))
        return replace(job, uncertain=True) if previous_owner is not None else job

    def finish(self, job: Job) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM inbox WHERE id = ?", (int(job.ref),)).rowcount == 1

    def retry(self, job: Job, delay_s: float) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE inbox SET job = ?, due = ?, owner = NULL, lease_until = NULL WHERE id = ?",
                (job.dumps(), self._clock() + delay_s, int(job.ref)),
            )

    def backlog(self) -> int:
        return self._read("SELECT count(*) FROM inbox")[0][0]

    def release(self, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM claims WHERE key = ?", (key,))

    def save_reply(self, reply: Reply, ttl_s: int = REPLY_TTL_S) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO replies (channel, paste_ts, reply, expires_at) VALUES (?, ?, ?, ?)",
                (reply.channel, reply.paste_ts, reply.dumps(), self._clock() + ttl_s),
            )

    def reply_for(self, channel: str, paste_ts: str) -> Reply | None:
        rows = self._read(
            "SELECT reply FROM replies WHERE channel = ? AND paste_ts = ? AND expires_at > ?",
            (channel, paste_ts, self._clock()),
        )
        return Reply.loads(rows[0][0]) if rows else None

    def record_vote(self, vote: Vote) -> bool:
        with self._write() as conn:
            existing = conn.execute(
                "SELECT 1 FROM votes WHERE channel = ? AND reply_ts = ? AND user = ?",
                (vote.channel, vote.reply_ts, vote.user),
            ).fetchone()
            conn.execute(
                "INSERT INTO votes (channel, reply_ts, user, helpful, playbook, variant) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel, reply_ts, user) DO UPDATE SET "
                "helpful = excluded.helpful, playbook = excluded.playbook, variant = excluded.variant",
                (vote.channel, vote.reply_ts, vote.user, int(vote.helpful), vote.playbook, vote.variant),
            )
            return existing is None

    def votes(self) -> list[Vote]:
        rows = self._read("SELECT channel, reply_ts, user, helpful, playbook, variant FROM votes ORDER BY rowid")
        return [
            Vote(channel, ts, user, bool(helpful), playbook, variant)
            for channel, ts, user, helpful, playbook, variant in rows
        ]

    def votes_for(self, channel: str, reply_ts: str) -> list[Vote]:
        rows = self._read(
            "SELECT user, helpful, playbook, variant FROM votes WHERE channel = ? AND reply_ts = ? ORDER BY rowid",
            (channel, reply_ts),
        )
        return [
            Vote(channel, reply_ts, user, bool(helpful), playbook, variant) for user, helpful, playbook, variant in rows
        ]

    def incr(self, key: str, ttl_s: int) -> int:
        now = self._clock()
        with self._write() as conn:
            # An expired window restarts at this hit; in SET, column names mean the row's old values.
            [(count,)] = conn.execute(
                "INSERT INTO counters (key, expires_at, count) VALUES (:key, :expires, 1) "
                "ON CONFLICT (key) DO UPDATE SET "
                "count = CASE WHEN counters.expires_at <= :now THEN 1 ELSE counters.count + 1 END, "
                "expires_at = CASE WHEN counters.expires_at <= :now THEN :expires ELSE counters.expires_at END "
                "RETURNING count",
                {"key": key, "expires": now + ttl_s, "now": now},
            ).fetchall()
            return count

    def peek(self, key: str) -> int:
        rows = self._read("SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, self._clock()))
        return rows[0][0] if rows else 0

    def count_answer(self, playbook: str | None, variant: str | None) -> None:
        # NULLs never collide in a primary key, so None is stored as '' and turned back on the way out.
        with self._write() as conn:
            conn.execute(
                "INSERT INTO answers (playbook, variant, count) VALUES (?, ?, 1) "
                "ON CONFLICT (playbook, variant) DO UPDATE SET count = count + 1",
                (playbook or "", variant or ""),
            )

    def answer_counts(self) -> dict[tuple[str | None, str | None], int]:
        rows = self._read("SELECT playbook, variant, count FROM answers")
        return {(playbook or None, variant or None): count for playbook, variant, count in rows}

    def log_gap(self, gap: Gap) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO gaps (at, gap) VALUES (?, ?)", (gap.at, gap.dumps()))

    def gaps(self, since: float = 0.0) -> list[Gap]:
        rows = self._read("SELECT gap FROM gaps WHERE at >= ? ORDER BY at, id", (since,))
        return [Gap.loads(raw) for (raw,) in rows]

    def ping(self) -> bool:
        try:
            return self._read("SELECT 1") == [(1,)]
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._lock:
            self._conn.close()
