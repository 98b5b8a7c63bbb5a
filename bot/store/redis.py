"""Redis store: state shared by several replicas of the bot, with expiry done by Redis itself.

The inbox is a Redis Stream read by one consumer group: ``XADD`` takes a job in, ``XREADGROUP`` leases
it to a replica, ``XACK`` finishes it, and ``XAUTOCLAIM`` takes over a job whose lease (idle time)
ran out. Jobs waiting to be retried sit in a sorted set by due time until they are added back.
Each step is one Lua script, so two replicas never take the same job or lose one between steps.
A list per paste keeps its jobs in the order they came: a job waits while an earlier one of its
paste is unfinished. (Scripts build the per-paste keys themselves: one Redis, not a cluster.)
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, replace

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.store import DEDUP_TTL_S, GAPS_KEPT, REPLY_TTL_S, Gap, Job, Reply, Store, Vote, job_claim, reply_key

# INCR, and start the window's TTL on the first hit only. A script rather than EXPIRE ... NX (Redis 7+)
# so managed Redis 5/6 works too; "TTL < 0" also heals a counter that somehow lost its expiry.
INCR_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


# KEYS: dedup claim, the paste's order list, stream. ARGV: job, ttl, job key.
ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('XADD', KEYS[3], '*', 'job', ARGV[1])
return 1
"""

# KEYS: stream, retry set. ARGV: group, consumer, now (ms), lease (ms), order-list prefix.
# Returns {how, id, job} (how: 'new' or 'over' for a lease taken over), or nil.
LEASE = """
local now = tonumber(ARGV[3])
for _, job in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 32)) do
    redis.call('ZREM', KEYS[2], job)
    redis.call('XADD', KEYS[1], '*', 'job', job)
end
for _ = 1, 16 do
    local how, entries = 'over', redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], '0-0', 'COUNT', 1)[2]
    if #entries == 0 then
        local new = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
        if not new then return nil end
        how, entries = 'new', new[1][2]
    end
    local id, job = entries[1][1], entries[1][2][2]
    local fields = cjson.decode(job)
    local first = redis.call('LINDEX', ARGV[5] .. fields.channel .. ':' .. fields.ts, 0)
    if not first or first == fields.key then return {how, id, job} end
    -- an earlier job of this paste is unfinished: look again in a moment
    redis.call('XACK', KEYS[1], ARGV[1], id)
    redis.call('XDEL', KEYS[1], id)
    redis.call('ZADD', KEYS[2], now + 200, job)
end
return nil
"""

# KEYS: stream, the paste's order list. ARGV: group, id, job key.
FINISH = """
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if acked == 1 then redis.call('LREM', KEYS[2], 1, ARGV[3]) end
return acked
"""

# KEYS: stream, retry set. ARGV: group, id, due (ms), job.
RETRY = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
"""
GROUP = "triage"


class RedisStore(Store):
    """Keys under ``prefix``; data methods raise ``redis.RedisError`` when Redis is unreachable.

    No retries and short socket timeouts: a dead Redis costs a caller at most about ``socket_timeout``
    per call, and ``ResilientStore`` answers from its fallback instead.
    """

    def __init__(self, url: str, prefix: str = "mab:", socket_timeout: float = 0.5):
        self.prefix = prefix
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self._incr = self._redis.register_script(INCR_IN_WINDOW)
        self._enqueue, self._lease = self._redis.register_script(ENQUEUE), self._redis.register_script(LEASE)
        self._finish, self._retry = self._redis.register_script(FINISH), self._redis.register_script(RETRY)
        self._stream, self._later = self._key("inbox"), self._key("inbox", "later")
        self._group_made = False

    def _group(self) -> None:
        """Create the consumer group (and the stream) once; Redis answers BUSYGROUP when it exists."""
        if self._group_made:
            return
        try:
            self._redis.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_made = True

    def _order(self, paste: str) -> str:
        return self._key("order", paste)

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        return bool(self._redis.set(self._key("claim", key), "1", nx=True, ex=ttl_s))

    def enqueue(self, job: Job, ttl_s: int = DEDUP_TTL_S) -> bool:
        self._group()
        keys = [self._key("claim", job_claim(job.key)), self._order(job.paste), self._stream]
        return self._enqueue(keys=keys, args=[job.dumps(), ttl_s, job.key]) == 1

    def lease(self, owner: str, lease_s: float) -> Job | None:
        self._group()
        now_ms, lease_ms = int(time.time() * 1000), int(lease_s * 1000)
        found = self._lease(keys=[self._stream, self._later], args=[GROUP, owner, now_ms, lease_ms, self._order("")])
        if not found:
            return None
        how, ref, raw = found
        job = Job.loads(raw, ref=ref)
        return replace(job, uncertain=True) if how == "over" else job

    def finish(self, job: Job) -> bool:
        return self._finish(keys=[self._stream, self._order(job.paste)], args=[GROUP, job.ref, job.key]) == 1

    def retry(self, job: Job, delay_s: float) -> None:
        due_ms = int((time.time() + delay_s) * 1000)
        self._retry(keys=[self._stream, self._later], args=[GROUP, job.ref, due_ms, job.dumps()])

    def backlog(self) -> int:
        pipe = self._redis.pipeline(transaction=False)
        pipe.xlen(self._stream)
        pipe.zcard(self._later)
        return sum(pipe.execute())

    def release(self, key: str) -> None:
        self._redis.delete(self._key("claim", key))

    def save_reply(self, reply: Reply, ttl_s: int = REPLY_TTL_S) -> None:
        self._redis.set(self.prefix + reply_key(reply.channel, reply.paste_ts), reply.dumps(), ex=ttl_s)

    def reply_for(self, channel: str, paste_ts: str) -> Reply | None:
        raw = self._redis.get(self.prefix + reply_key(channel, paste_ts))
        return None if raw is None else Reply.loads(raw)

    def record_vote(self, vote: Vote) -> bool:
        added = self._redis.hset(self._key("votes", vote.channel, vote.reply_ts), vote.user, json.dumps(asdict(vote)))
        return added == 1

    def votes(self) -> list[Vote]:
        # SCAN walks the whole keyspace in small steps: fine for the few thousand answers a bot gives.
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self._key("votes", "")) + "*"
        keys = list(self._redis.scan_iter(match=pattern, count=1000))
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hvals(key)
        return [Vote(**json.loads(raw)) for values in pipe.execute() for raw in values]

    def votes_for(self, channel: str, reply_ts: str) -> list[Vote]:
        return [Vote(**json.loads(raw)) for raw in self._redis.hvals(self._key("votes", channel, reply_ts))]

    def incr(self, key: str, ttl_s: int) -> int:
        return int(self._incr(keys=[self._key("rate", key)], args=[ttl_s]))

    def peek(self, key: str) -> int:
        return int(self._redis.get(self._key("rate", key)) or 0)

    def count_answer(self, playbook: str | None, variant: str | None) -> None:
        self._redis.hincrby(self._key("answers"), f"{playbook or ''}|{variant or ''}", 1)

    def answer_counts(self) -> dict[tuple[str | None, str | None], int]:
        counts = {}
        for field, count in self._redis.hgetall(self._key("answers")).items():
            playbook, _, variant = field.partition("|")
            counts[(playbook or None, variant or None)] = int(count)
        return counts

    def log_gap(self, gap: Gap) -> None:
        # Members must be unique and ties in score sort by member: a sequence number keeps both right.
        seq = self._redis.incr(self._key("gaps", "seq"))
        pipe = self._redis.pipeline(transaction=True)
        pipe.zadd(self._key("gaps"), {f"{seq:020d} {gap.dumps()}": gap.at})
        pipe.zremrangebyrank(self._key("gaps"), 0, -GAPS_KEPT - 1)
        pipe.execute()

    def gaps(self, since: float = 0.0) -> list[Gap]:
        members = self._redis.zrangebyscore(self._key("gaps"), since, "+inf")
        return [Gap.loads(member.partition(" ")[2]) for member in members]

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except (redis.RedisError, OSError):
            return False

    def close(self) -> None:
        self._redis.close()
