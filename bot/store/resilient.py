"""Keeps the bot answering when its shared store fails: each call falls back to a local store instead of raising."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import redis

from bot.store import DEDUP_TTL_S, REPLY_TTL_S, Gap, Reply, Store, Vote

FAILURES = (redis.RedisError, OSError, sqlite3.Error)
"""What a store raises when its backend is down or broken (as opposed to a bug in the caller)."""


class ResilientStore(Store):
    """Tries ``primary`` first; when it fails, reports the error and answers from ``fallback``.

    While degraded, dedup and rate limits are per process (the fallback is usually a ``MemoryStore``) and
    reads only see what the fallback itself holds. Each call tries the primary again, so recovery is automatic.
    """

    def __init__(
        self, primary: Store, fallback: Store, on_error: Callable[[str, Exception], None] | None = None
    ) -> None:
        self.primary, self.fallback = primary, fallback
        self._on_error = on_error
        self._degraded = False

    def _call(self, method: str, *args):
        try:
            result = getattr(self.primary, method)(*args)
        except FAILURES as exc:
            self._degraded = True
            if self._on_error is not None:
                self._on_error(method, exc)
            return getattr(self.fallback, method)(*args)
        self._degraded = False
        return result

    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        return self._call("claim", key, ttl_s)

    def release(self, key: str) -> None:
        self._call("release", key)

    def save_reply(self, reply: Reply, ttl_s: int = REPLY_TTL_S) -> None:
        self._call("save_reply", reply, ttl_s)

    def reply_for(self, channel: str, paste_ts: str) -> Reply | None:
        return self._call("reply_for", channel, paste_ts)

    def record_vote(self, vote: Vote) -> bool:
        return self._call("record_vote", vote)

    def votes(self) -> list[Vote]:
        return self._call("votes")

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
            alive = self.primary.ping()
        except FAILURES:
            alive = False
        self._degraded = not alive
        return alive

    def health(self) -> str:
        return "ok" if self.ping() else "degraded: process-local fallback"

    @property
    def degraded(self) -> bool:
        """Whether the last call to the primary failed."""
        return self._degraded

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()
