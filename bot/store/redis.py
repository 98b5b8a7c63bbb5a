"""Redis store: state shared by several replicas of the bot, with expiry done by Redis itself."""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.store import DEDUP_TTL_S, GAPS_KEPT, REPLY_TTL_S, Gap, Reply, Store, Vote, reply_key

# INCR, and start the window's TTL on the first hit only. A script rather than EXPIRE ... NX (Redis 7+)
# so managed Redis 5/6 works too; "TTL < 0" also heals a counter that somehow lost its expiry.
INCR_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


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

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def claim(self, key: str, ttl_s: int = DEDUP_TTL_S) -> bool:
        return bool(self._redis.set(self._key("claim", key), "1", nx=True, ex=ttl_s))

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
