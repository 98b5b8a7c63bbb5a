"""Opens the store named by ``STATE_URL`` (SQLite file, Redis, or process memory)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from bot.store import Store
from bot.store.memory import MemoryStore
from bot.store.sqlite import SqliteStore

DEFAULT_STATE_URL = "sqlite:///state/bot.sqlite3"
ACCEPTED = (
    "sqlite:///relative/path (from the working directory), sqlite:////absolute/path, "
    "redis://host:port/db, rediss://host:port/db, memory://"
)


def open_store(
    url: str | None = None,
    env: Mapping[str, str] = os.environ,
    on_error: Callable[[str, Exception], None] | None = None,
) -> Store:
    """The store for ``url`` (else ``STATE_URL``, else a SQLite file under ./state).

    Redis is wrapped in a ``ResilientStore`` over a ``MemoryStore``: if Redis fails, ``on_error`` hears
    of it and the bot carries on with process-local state.
    """
    url = url or env.get("STATE_URL") or DEFAULT_STATE_URL
    scheme, _, rest = url.partition("://")
    # SQLAlchemy's convention: the path follows a third slash, so a fourth one makes it absolute.
    if scheme == "sqlite" and len(rest) > 1 and rest.startswith("/"):
        return SqliteStore(rest[1:])
    if scheme in ("redis", "rediss") and rest:
        # Imported here so SQLite and memory deployments do not need redis-py.
        from bot.store.redis import RedisStore
        from bot.store.resilient import ResilientStore

        return ResilientStore(RedisStore(url), MemoryStore(), on_error)
    if url == "memory://":
        return MemoryStore()
    raise ValueError(f"STATE_URL {url!r} is not understood; use one of: {ACCEPTED}")
