"""Keeps the bot answering when its store fails: each call falls back to a local store instead of raising.

A shared store (Redis) going away, or a SQLite file that cannot be written (disk full, read-only), is
reported (``on_error``: a metric and a log line), ``health()`` says degraded, and the bot carries on
with process-local state. What it promised while degraded is owed to the primary: the dedup claims it
took (events, jobs, warnings) and the replies it saved are written there as soon as the primary answers
again, so a redelivery after the recovery is recognised and an edit still finds its answer.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

import redis

from bot.store import DEDUP_TTL_S, REPLY_TTL_S, Gap, Job, Reply, Store, Vote, job_claim

FAILURES = (redis.RedisError, OSError, sqlite3.Error)
"""What a store raises when its backend is down or broken (as opposed to a bug in the caller)."""
FALLBACK_REF = "local:"
"""Prefix of the refs of jobs the fallback holds (taken in while degraded)."""
OWED_MAX = 100_000
"""Claims and replies kept for the primary while it is down; the oldest are dropped beyond that."""


class ResilientStore(Store):
    """Tries ``primary`` first; when it fails, reports the error and answers from ``fallback``.

    While degraded, dedup and rate limits are per process (the fallback is usually a ``MemoryStore``),
    reads only see what the fallback itself holds, and jobs taken in wait in the fallback (worked by
    this process only). Each call tries the primary again, so recovery is automatic.
    """

    def __init__(
        self, primary: Store, fallback: Store, on_error: Callable[[str, Exception], None] | None = None
    ) -> None:
        self.primary, self.fallback = primary, fallback
        self._on_error = on_error
        self._degraded = False
        self._owed: dict[str, tuple[str, object, float]] = {}  # what to write to the primary when it is back
        self._owed_lock = threading.Lock()

    def _call(self, method: str, *args, local: tuple | None = None, owed: tuple | None = None):
        """``method`` on the primary; on a failure, on the fallback (with ``local`` arguments, if given), and when the
        fallback took it (anything but False), ``owed`` (key, kind, value, ttl) is kept for the primary."""
        try:
            result = getattr(self.primary, method)(*args)
        except FAILURES as exc:
            self._failed(method, exc)
            result = getattr(self.fallback, method)(*(local or args))
            if owed is not None and result is not False:
                self._owe(*owed)
            return result
        if self._degraded or self._owed:
            self._recovered()
        return result

    def _failed(self, method: str, exc: Exception) -> None:
        self._degraded = True
        if self._on_error is not None:
            self._on_error(method, exc)

    def _owe(self, key: str, kind: str, value: object, ttl_s: float) -> None:
        with self._owed_lock:
            self._owed[key] = (kind, value, time.time() + ttl_s)
            while len(self._owed) > OWED_MAX:
                del self._owed[next(iter(self._owed))]

    def _recovered(self) -> None:
        """The primary answers again: pay what is owed; stay degraded if it fails again meanwhile."""
        with self._owed_lock:
            owed, self._owed = self._owed, {}
        now = time.time()
        try:
            for key, (kind, value, until) in owed.items():
                if until > now and kind == "claim":
                    self.primary.claim(key, max(1, int(until - now)))
                elif until > now and kind == "reply":
                    self.primary.save_reply(value, max(1, int(until - now)))
        except FAILURES as exc:
            with self._owed_lock:
                self._owed = {**owed, **self._owed}
            self._failed("reconcile", exc)
            return
        self._degraded = False

    # -- the inbox ---------------------------------------------------------------------------------

    def enqueue(self, job: Job, ttl_s: int = DEDUP_TTL_S) -> bool:
        # Another replica may take the same paste in meanwhile (dedup is per process then): look before posting.
        local = (replace(job, uncertain=True), ttl_s)
        return self._call("enqueue", job, ttl_s, local=local, owed=(job_claim(job.key), "claim", None, ttl_s))

    def lease(self, owner: str, lease_s: float) -> Job | None:
        local = self.fallback.lease(owner, lease_s)  # taken in while degraded: only this process has them
        if local is not None:
            return replace(local, ref=FALLBACK_REF + local.ref)
        try:
            return self.primary.lease(owner, lease_s)
        except FAILURES as exc:
            self._failed("lease", exc)
            return None

    def finish(self, job: Job) -> bool:
        if job.ref.startswith(FALLBACK_REF):
            return self.fallback.finish(replace(job, ref=job.ref.removeprefix(FALLBACK_REF)))
        return self._call("finish", job)

    def retry(self, job: Job, delay_s: float) -> None:
        if job.ref.startswith(FALLBACK_REF):
            self.fallback.retry(replace(job, ref=job.ref.removeprefix(FALLBACK_REF)), delay_s)
            return
        try:
            self.primary.retry(job, delay_s)
        except FAILURES as exc:  # the primary keeps the job leased: it is taken over when the lease runs out
            self._failed("retry", exc)

    def backlog(self) -> int:
        try:
            primary = self.primary.backlog()
        except FAILURES as exc:
            self._failed("backlog", exc)
            primary = 0
        return primary + self.fallback.backlog()

    # -- the rest ----------------------------------------------------------------------------------

    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        return self._call("claim", key, ttl_s, owed=(key, "claim", None, ttl_s))

    def release(self, key: str) -> None:
        with self._owed_lock:
            self._owed.pop(key, None)
        self._call("release", key)

    def save_reply(self, reply: Reply, ttl_s: int = REPLY_TTL_S) -> None:
        self._call("save_reply", reply, ttl_s, owed=(f"reply:{reply.channel}:{reply.paste_ts}", "reply", reply, ttl_s))

    def reply_for(self, channel: str, paste_ts: str) -> Reply | None:
        found = self._call("reply_for", channel, paste_ts)
        return found if found is not None else self.fallback.reply_for(channel, paste_ts)

    def record_vote(self, vote: Vote) -> bool:
        return self._call("record_vote", vote)

    def votes(self) -> list[Vote]:
        return self._call("votes")

    def votes_for(self, channel: str, reply_ts: str) -> list[Vote]:
        return self._call("votes_for", channel, reply_ts)

    def incr(self, key: str, ttl_s: int) -> int:
        return self._call("incr", key, ttl_s)

    def peek(self, key: str) -> int:
        return self._call("peek", key)

    def count_answer(self, playbook: str | None, variant: str | None) -> None:
        self._call("count_answer", playbook, variant)

    def answer_counts(self) -> dict[tuple[str | None, str | None], int]:
        return self._call("answer_counts")

    def log_gap(self, gap: Gap) -> None:
        self._call("log_gap", gap)

    def gaps(self, since: float = 0.0) -> list[Gap]:
        return self._call("gaps", since)

    def ping(self) -> bool:
        try:
            return self.primary.ping()
        except FAILURES:
            return False

    def health(self) -> str:
        """Degraded when the primary does not answer, or cannot take a write (a full disk still reads)."""
        alive = self.ping()
        if alive and self._degraded:
            self.claim(f"health:{uuid.uuid4().hex}", 1)  # a real write: succeeds (and pays what is owed) once it works
        return "ok" if alive and not self._degraded else "degraded: process-local fallback"

    @property
    def degraded(self) -> bool:
        """Whether the last call to the primary failed."""
        return self._degraded

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()
