"""Opens the store named by ``STATE_URL`` (SQLite file, Redis, or process memory).

The bot opens it forgivingly (a failing Redis falls back to process memory); reports open it
strictly, so a store they cannot really read stops them instead of showing an empty one.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

from bot.settings import DEFAULT_STATE_URL
from bot.store import Store
from bot.store.memory import MemoryStore
from bot.store.redis import RedisStore
from bot.store.resilient import FAILURES, ResilientStore
from bot.store.sqlite import SqliteStore

ACCEPTED = (
    "sqlite:///relative/path (from the working directory), sqlite:////absolute/path, "
    "redis://host:port/db, rediss://host:port/db, memory://"
)


class StoreUnavailableError(Exception):
    """A strictly opened store does not hold the bot's state: no such file, Redis not answering."""


def open_store(
    url: str | None = None,
    on_error: Callable[[str, Exception], None] | None = None,
    strict: bool = False,
) -> Store:
    """The store for ``url`` (``Settings.state_url``; None: a SQLite file under ./state).

    SQLite and Redis are wrapped in a ``ResilientStore`` over a ``MemoryStore``: if the store fails (Redis
    down, a full or read-only disk), ``on_error`` hears of it and the bot carries on with process-local state.

    ``strict`` is for reading reports: it raises ``StoreUnavailableError`` instead of creating a missing
    SQLite file, opening ``memory://`` (always empty outside the bot) or falling back from a Redis that
    does not answer.
    """
    named = url
    url = named or DEFAULT_STATE_URL
    source = f"STATE_URL={_hide_password(url)}" if named else f"STATE_URL is not set and the default {url}"
    scheme, _, rest = url.partition("://")
    # SQLAlchemy's convention: the path follows a third slash, so a fourth one makes it absolute.
    if scheme == "sqlite" and len(rest) > 1 and rest.startswith("/"):
        path = rest[1:]
        if not strict:
            return ResilientStore(SqliteStore(path), MemoryStore(), on_error)
        if not Path(path).is_file():
            raise StoreUnavailableError(
                f"{source} names {Path(path).resolve()}, which does not exist. Run this from the bot's working "
                "directory (relative paths start there), or set STATE_URL to the bot's store."
            )
        try:
            return SqliteStore(path)
        except (sqlite3.Error, RuntimeError) as exc:
            raise StoreUnavailableError(f"{source}: cannot read {Path(path).resolve()}: {exc}") from None
    if scheme in ("redis", "rediss") and rest:
        if not strict:
            return ResilientStore(RedisStore(url), MemoryStore(), on_error)
        store = RedisStore(url)
        if not store.ping():
            store.close()
            raise StoreUnavailableError(
                f"{source}: Redis does not answer; check that it is up and reachable from here."
            )
        return store
    if url == "memory://":
        if strict:
            raise StoreUnavailableError(
                f"{source} keeps state inside the bot's process; there is nothing to read here."
            )
        return MemoryStore()
    raise ValueError(f"STATE_URL {_hide_password(url)!r} is not understood; use one of: {ACCEPTED}")


def verify_writable(store: Store, url: str | None) -> None:
    """At start: the store must take a write now (``StoreUnavailableError`` naming ``STATE_URL`` otherwise), so a
    Redis that is not there, or a read-only or full disk, stops the start instead of degrading from the first
    minute. An outage later degrades, visibly."""
    primary = getattr(store, "primary", store)
    try:
        primary.claim(f"start:{uuid.uuid4().hex}", 1)
    except FAILURES as exc:
        shown = f"STATE_URL={_hide_password(url)}" if url else f"the default STATE_URL {DEFAULT_STATE_URL}"
        raise StoreUnavailableError(
            f"{shown} cannot be written ({type(exc).__name__}: {exc}); check that the store is up and reachable "
            "from here, and that the disk has room and is writable."
        ) from None


def _hide_password(url: str) -> str:
    """``url`` with the password of its user info (``redis://:secret@host``) masked."""
    return re.sub(r"(://[^:@/]*:)[^@/]*@", r"\1***@", url)
