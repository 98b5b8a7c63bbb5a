"""Process-local store: for the console, tests, and as the fallback when a shared store is down."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, replace

from bot.store import DEDUP_TTL_S, GAPS_KEPT, REPLY_TTL_S, Gap, Job, Reply, Store, Vote, job_claim, reply_key

PRUNE_EVERY_S = 30.0
"""Seconds of the store's clock between two sweeps of expired claims, counters and replies."""


@dataclass
class _Entry:
    """A job in the inbox with its schedule: due time, and the lease's owner and end."""

    job: Job
    due: float
    owner: str | None = None
    lease_until: float = 0.0


class MemoryStore(Store):
    """Dicts under a lock, with expiry checked on read.

    Writes sweep out what has expired at most once every ``PRUNE_EVERY_S``, so each sweep's cost is
    spread over all the writes in between, and the dicts hold at most what is live plus what expired
    since the last sweep.
    """

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._claims: dict[str, float] = {}
        self._replies: dict[str, tuple[float, Reply]] = {}
        self._votes: dict[tuple[str, str, str], Vote] = {}
        self._counters: dict[str, tuple[float, int]] = {}
        self._answers: Counter = Counter()
        self._gaps: deque[Gap] = deque(maxlen=GAPS_KEPT)
        self._next_prune = float("-inf")
        self._inbox: dict[str, _Entry] = {}  # in the order taken in (dicts keep insertion order)
        self._refs = itertools.count(1)

    def _prune(self, now: float) -> None:
        """Drop expired entries if the last sweep is ``PRUNE_EVERY_S`` old; the caller holds the lock."""
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY_S
        self._claims = {k: e for k, e in self._claims.items() if e > now}
        self._counters = {k: v for k, v in self._counters.items() if v[0] > now}
        self._replies = {k: v for k, v in self._replies.items() if v[0] > now}

    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        now = self._clock()
        with self._lock:
            expires = self._claims.get(key)
            if expires is not None and expires > now:
                return False
            self._claims[key] = now + ttl_s
            self._prune(now)
            return True

    def enqueue(self, job: Job, ttl_s: int = DEDUP_TTL_S) -> bool:
        if not self.claim(job_claim(job.key), ttl_s):
            return False
        with self._lock:
            ref = str(next(self._refs))
            self._inbox[ref] = _Entry(replace(job, ref=ref), due=0.0)
        return True

    def lease(self, owner: str, lease_s: float) -> Job | None:
        now = self._clock()
        with self._lock:
            held = set()  # pastes with an earlier unfinished job
            for entry in self._inbox.values():
                paste = entry.job.paste
                if paste in held:
                    continue
                held.add(paste)
                if entry.due <= now and (entry.owner is None or entry.lease_until <= now):
                    taken_over = entry.owner is not None
                    entry.owner, entry.lease_until = owner, now + lease_s
                    return replace(entry.job, uncertain=True) if taken_over else entry.job
            return None

    def finish(self, job: Job) -> bool:
        with self._lock:
            return self._inbox.pop(job.ref, None) is not None

    def retry(self, job: Job, delay_s: float) -> None:
        with self._lock:
            entry = self._inbox.get(job.ref)
            if entry is not None:
                entry.job, entry.due, entry.owner = job, self._clock() + delay_s, None

    def backlog(self) -> int:
        with self._lock:
            return len(self._inbox)

    def release(self, key: str) -> None:
        with self._lock:
            self._claims.pop(key, None)

    def save_reply(self, reply: Reply, ttl_s: int = REPLY_TTL_S) -> None:
        now = self._clock()
        with self._lock:
            self._replies[reply_key(reply.channel, reply.paste_ts)] = (now + ttl_s, reply)
            self._prune(now)

    def reply_for(self, channel: str, paste_ts: str) -> Reply | None:
        with self._lock:
            entry = self._replies.get(reply_key(channel, paste_ts))
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def record_vote(self, vote: Vote) -> bool:
        key = (vote.channel, vote.reply_ts, vote.user)
        with self._lock:
            new = key not in self._votes
            self._votes[key] = vote
        return new

    def incr(self, key: str, ttl_s: int) -> int:
        now = self._clock()
        with self._lock:
            expires, count = self._counters.get(key, (0.0, 0))
            if expires <= now:
                expires, count = now + ttl_s, 0
            self._counters[key] = (expires, count + 1)
            self._prune(now)
            return count + 1

    def peek(self, key: str) -> int:
        with self._lock:
            expires, count = self._counters.get(key, (0.0, 0))
            return count if expires > self._clock() else 0

    def votes(self) -> list[Vote]:
        with self._lock:
            return list(self._votes.values())

    def votes_for(self, channel: str, reply_ts: str) -> list[Vote]:
        with self._lock:
            return [v for (c, ts, _), v in self._votes.items() if (c, ts) == (channel, reply_ts)]

    def count_answer(self, playbook: str | None, variant: str | None) -> None:
        with self._lock:
            self._answers[(playbook, variant)] += 1

    def answer_counts(self) -> dict[tuple[str | None, str | None], int]:
        with self._lock:
            return dict(self._answers)

    def log_gap(self, gap: Gap) -> None:
        with self._lock:
            self._gaps.append(gap)

    def gaps(self, since: float = 0.0) -> list[Gap]:
        with self._lock:
            return [g for g in self._gaps if g.at >= since]
