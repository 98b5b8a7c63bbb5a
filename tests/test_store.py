"""Store backends against one contract (memory, SQLite, real Redis), SQLite durability, Redis failover, STATE_URL,
strict opening for reports, MemoryStore housekeeping."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import redis

from bot.settings import Settings
from bot.store import GAPS_KEPT, Gap, Job, Reply, Store, Vote
from bot.store.factory import StoreUnavailableError, open_store
from bot.store.memory import PRUNE_EVERY_S, MemoryStore
from bot.store.redis import RedisStore
from bot.store.resilient import ResilientStore
from bot.store.sqlite import PRUNE_EVERY, SCHEMA_VERSION, SqliteStore
from tests.redis_server import free_port, running_redis

ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Backend:
    store: Store
    advance: Callable[[float], None]
    """Lets ``seconds`` pass for the store: a fake clock where there is one, a real sleep for Redis."""


@pytest.fixture(scope="module")
def redis_server():
    with running_redis() as server:
        yield server


@pytest.fixture(params=["memory", "sqlite", "redis"])
def backend(request, tmp_path):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        with redis.Redis.from_url(server.url) as client:
            client.flushdb()
        store, advance = RedisStore(server.url), time.sleep
    else:
        clock = FakeClock()
        store = MemoryStore(clock) if request.param == "memory" else SqliteStore(str(tmp_path / "bot.sqlite3"), clock)
        advance = clock.advance
    yield Backend(store, advance)
    store.close()


def a_reply(paste_ts: str = "100.1", **changes) -> Reply:
    values = {"channel": "C1", "paste_ts": paste_ts, "reply_ts": "100.2", "thread_ts": paste_ts,
              "playbook": "oom", "variant": "gpu", "paste_text": "CUDA out of memory ... <redacted>"}  # fmt: skip
    return Reply(**(values | changes))


# -- The contract every backend keeps ------------------------------------------------------------


def test_claim_once_then_duplicate(backend):
    store = backend.store
    assert store.claim("event:Ev1") is True
    assert store.claim("event:Ev1") is False
    assert store.claim("event:Ev2") is True


def test_release_lets_a_key_be_claimed_again(backend):
    store = backend.store
    assert store.claim("slot:C1:1.0")
    store.release("slot:C1:1.0")
    assert store.claim("slot:C1:1.0") is True
    store.release("never-claimed")


def test_claims_expire_after_their_ttl(backend):
    store = backend.store
    assert store.claim("event:short", ttl_s=1)
    assert store.claim("event:long", ttl_s=60)
    assert store.claim("event:short", ttl_s=1) is False
    backend.advance(1.1)
    assert store.claim("event:short", ttl_s=1) is True
    assert store.claim("event:long", ttl_s=60) is False


def test_reply_round_trip(backend):
    store = backend.store
    reply = a_reply(playbook=None, variant=None, paste_text="Traceback ... token=<redacted>")
    store.save_reply(reply)
    assert store.reply_for("C1", "100.1") == reply
    assert store.reply_for("C1", "999.9") is None
    assert store.reply_for("C2", "100.1") is None
    edited = a_reply(reply_ts="100.3", playbook="oom", variant="cpu")
    store.save_reply(edited)
    assert store.reply_for("C1", "100.1") == edited


def test_replies_expire(backend):
    store = backend.store
    store.save_reply(a_reply("1.0"), ttl_s=1)
    store.save_reply(a_reply("2.0"), ttl_s=60)
    assert store.reply_for("C1", "1.0") is not None
    backend.advance(1.1)
    assert store.reply_for("C1", "1.0") is None
    assert store.reply_for("C1", "2.0") == a_reply("2.0")


def test_one_vote_per_user_per_answer(backend):
    store = backend.store
    assert store.record_vote(Vote("C1", "100.2", "U1", True, "oom", "gpu")) is True
    assert store.record_vote(Vote("C1", "100.2", "U1", False, "oom", "gpu")) is False
    assert store.record_vote(Vote("C1", "100.2", "U2", True, "oom", "gpu")) is True
    assert store.record_vote(Vote("C1", "200.2", "U1", False, None, None)) is True
    assert sorted(store.votes(), key=lambda v: (v.reply_ts, v.user)) == [
        Vote("C1", "100.2", "U1", False, "oom", "gpu"),
        Vote("C1", "100.2", "U2", True, "oom", "gpu"),
        Vote("C1", "200.2", "U1", False, None, None),
    ]


def test_incr_counts_in_a_fixed_window_from_the_first_hit(backend):
    store = backend.store
    assert [store.incr("probe-rate:C1", 1) for _ in range(3)] == [1, 2, 3]
    assert store.incr("probe-rate:C2", 1) == 1
    backend.advance(0.6)
    assert store.incr("probe-rate:C1", 1) == 4  # later hits do not push the window out
    backend.advance(0.6)
    assert store.incr("probe-rate:C1", 1) == 1
    assert store.incr("probe-rate:C1", 1) == 2


def test_answer_counts(backend):
    store = backend.store
    assert store.answer_counts() == {}
    for playbook, variant in [("oom", "gpu"), ("oom", "gpu"), ("oom", None), (None, None), ("timeout", "dns")]:
        store.count_answer(playbook, variant)
    assert store.answer_counts() == {("oom", "gpu"): 2, ("oom", None): 1, (None, None): 1, ("timeout", "dns"): 1}


def test_gaps_since_in_time_order(backend):
    store = backend.store
    logged = [
        Gap(1000.0, "unmatched", "weird error <redacted>", "C1"),
        Gap(2000.0, "unhelpful", "OOM", "C1", "oom", "gpu"),
        Gap(2000.0, "unmatched", "same second, logged later", "C2"),
        Gap(3000.5, "unmatched", "newest", "C1"),
    ]
    for gap in logged:
        store.log_gap(gap)
    assert store.gaps() == logged
    assert store.gaps(since=2000.0) == logged[1:]
    assert store.gaps(since=3000.6) == []


def test_claims_from_many_threads_are_granted_once(backend):
    store = backend.store
    granted: list[str] = []

    def worker():
        granted.extend(key for key in (f"event:{i}" for i in range(100)) if store.claim(key))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(granted) == sorted(f"event:{i}" for i in range(100))


def test_ping(backend):
    assert backend.store.ping() is True


# -- SQLite: several processes, crashes, restarts ------------------------------------------------

RACE_CHILD = """
import os, sys, time
from bot.store.sqlite import SqliteStore
path, go = sys.argv[1], sys.argv[2]
store = SqliteStore(path)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
print("\\n".join(key for key in (f"key{i}" for i in range(200)) if store.claim(key)), flush=True)
"""

WRITER_CHILD = """
import sys
from bot.store import Gap
from bot.store.sqlite import SqliteStore
store = SqliteStore(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    key = f"key{i}"
    assert store.claim(key)
    store.log_gap(Gap(float(i), "unmatched", "x" * 500, "C1"))
    print(key, flush=True)
    i += 1
"""


@pytest.fixture
def child():
    """Starts a Python child process running a script; the test's end kills any still running, whatever happened
    in the test (a failed assertion must not leave the others polling for their go file)."""
    started: list[subprocess.Popen] = []

    def start(script: str, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=5)


def test_sqlite_claims_are_atomic_across_processes(tmp_path, child):
    path, go = str(tmp_path / "shared" / "bot.sqlite3"), tmp_path / "go"
    children = [child(RACE_CHILD, path, str(go)) for _ in range(4)]
    for proc in children:
        assert proc.stdout.readline() == "ready\n", proc.stderr.read()
    go.touch()
    granted = []
    for proc in children:
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        granted += out.split()
    assert sorted(granted) == sorted(f"key{i}" for i in range(200))


def test_sqlite_survives_kill_9_mid_write(tmp_path, child):
    path = str(tmp_path / "bot.sqlite3")
    proc = child(WRITER_CHILD, path)
    assert proc.stdout.readline() == "ready\n", proc.stderr.read()
    committed: list[str] = []
    # Only whole lines: a key is printed after its transaction committed.
    reader = threading.Thread(target=lambda: committed.extend(line[:-1] for line in proc.stdout if line.endswith("\n")))
    reader.start()
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)
    reader.join(timeout=5)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(committed) > 10, "the writer committed almost nothing before it was killed"

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    store = SqliteStore(path)
    try:
        assert all(store.claim(key) is False for key in committed)
        assert len(store.gaps()) >= len(committed)
    finally:
        store.close()


def test_sqlite_restart_keeps_dedup_keys_and_replies(tmp_path):
    path = str(tmp_path / "nested" / "dir" / "bot.sqlite3")
    store = SqliteStore(path)
    assert store.claim("event:Ev1")
    store.save_reply(a_reply())
    store.close()

    reopened = SqliteStore(path)
    try:
        assert reopened.claim("event:Ev1") is False
        assert reopened.reply_for("C1", "100.1") == a_reply()
    finally:
        reopened.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()


def test_sqlite_prunes_expired_rows(tmp_path):
    path, clock = str(tmp_path / "bot.sqlite3"), FakeClock()
    store = SqliteStore(path, clock)
    try:
        for i in range(100):
            store.claim(f"old:{i}", ttl_s=1)
            store.incr(f"rate:{i}", 1)
        clock.advance(2)
        for i in range(PRUNE_EVERY):
            store.claim(f"new:{i}")
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM claims WHERE key LIKE 'old:%'").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM counters").fetchone() == (0,)
        conn.close()
    finally:
        store.close()


# -- The inbox: durable jobs, leased once, in order per paste ---------------------------------------


def a_job(ts: str = "100.1", kind: str = "paste", version: str = "", channel: str = "C1", **changes) -> Job:
    key = f"{kind}:{channel}:{ts}" + (f":{version}" if version else "")
    values = {"key": key, "kind": kind, "channel": channel, "ts": ts, "thread_ts": ts, "user": "U1",
              "text": f"APIG.0201 {kind} {version}", "addressed": False, "files": ("F1",), "secrets": ("IAM token",)}  # fmt: skip
    return Job(**(values | changes))


def test_a_job_is_taken_in_once_and_comes_back_as_it_went_in(backend):
    store = backend.store
    assert store.enqueue(a_job()) is True
    assert store.enqueue(a_job()) is False  # the same paste again: a redelivery, or the mention's twin event
    assert store.backlog() == 1
    leased = store.lease("replica-1", lease_s=30)
    assert leased == a_job() and leased.ref and not leased.uncertain
    assert store.lease("replica-2", lease_s=30) is None  # leased: nobody else gets it
    assert store.finish(leased) is True
    assert store.backlog() == 0 and store.lease("replica-2", lease_s=30) is None
    assert store.enqueue(a_job()) is False  # still a repeat after it was answered


def test_jobs_are_leased_oldest_first_and_an_edit_waits_for_its_paste(backend):
    store = backend.store
    for job in (a_job("1.0"), a_job("1.0", "edit", "2.0"), a_job("3.0"), a_job("1.0", "edit", "4.0")):
        assert store.enqueue(job)
    first, second = store.lease("r1", 30), store.lease("r2", 30)
    assert (first.key, second.key) == ("paste:C1:1.0", "paste:C1:3.0")  # the edit waits for its paste
    assert store.lease("r3", 30) is None
    assert store.finish(first)
    backend.advance(0.3)  # Redis looks again at a held-back job after 0.2 s
    edit = store.lease("r3", 30)
    assert edit.key == "edit:C1:1.0:2.0" and store.lease("r4", 30) is None  # the second edit waits for the first
    assert store.finish(edit) and store.finish(second)
    backend.advance(0.3)
    assert store.lease("r4", 30).key == "edit:C1:1.0:4.0"


def test_a_retried_job_comes_back_when_due_with_what_it_learned(backend):
    store = backend.store
    store.enqueue(a_job())
    leased = store.lease("r1", 30)
    store.retry(replace(leased, attempt=1, uncertain=True), delay_s=0.5)
    assert store.backlog() == 1 and store.lease("r1", 30) is None
    backend.advance(0.6)
    again = store.lease("r2", 30)
    assert again.key == leased.key and again.attempt == 1 and again.uncertain
    assert store.finish(again) and store.backlog() == 0


def test_a_job_whose_lease_ran_out_is_taken_over_as_uncertain(backend):
    store = backend.store
    store.enqueue(a_job())
    dead = store.lease("replica-that-died", lease_s=0.3)
    assert store.lease("r2", lease_s=0.3) is None
    backend.advance(0.5)
    taken = store.lease("r2", lease_s=0.3)  # every replica leases for the same time (INTAKE_LEASE_S)
    assert taken.key == dead.key and taken.uncertain  # it may have posted before it died: look first
    assert store.finish(taken) is True
    assert store.finish(dead) is False  # the slow original finishing late changes nothing


def test_many_threads_lease_each_job_exactly_once(backend):
    store = backend.store
    for i in range(60):
        store.enqueue(a_job(f"{i}.0"))
    taken: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (job := store.lease(name, 30)) is not None:
            with lock:
                taken.append(job.key)
            store.finish(job)

    threads = [threading.Thread(target=worker, args=(f"r{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(f"paste:C1:{i}.0" for i in range(60))
    assert store.backlog() == 0


def test_sqlite_inbox_survives_a_restart_and_a_version_1_file_is_upgraded(tmp_path):
    path = str(tmp_path / "bot.sqlite3")
    with sqlite3.connect(path) as conn:  # a store written by the version before the inbox
        conn.execute("CREATE TABLE claims (key TEXT PRIMARY KEY, expires_at REAL NOT NULL)")
        conn.execute("PRAGMA user_version = 1")
    store = SqliteStore(path)
    store.enqueue(a_job())
    store.lease("process-killed", lease_s=0.2)
    store.close()
    reopened = SqliteStore(path)
    try:
        time.sleep(0.3)
        taken = reopened.lease("after-restart", lease_s=30)
        assert taken.key == "paste:C1:100.1" and taken.uncertain
        assert reopened._read("PRAGMA user_version") == [(SCHEMA_VERSION,)]
    finally:
        reopened.close()


# -- Redis: shared between replicas, and what happens when it is gone --------------------------


def test_redis_claims_are_shared_between_replicas(redis_server):
    one, two = RedisStore(redis_server.url, prefix="t1:"), RedisStore(redis_server.url, prefix="t1:")
    other_bot = RedisStore(redis_server.url, prefix="t2:")
    try:
        assert one.claim("event:shared")
        assert two.claim("event:shared") is False
        assert other_bot.claim("event:shared") is True
    finally:
        for store in (one, two, other_bot):
            store.close()


def timed(call: Callable, limit_s: float = 1.0):
    started = time.monotonic()
    result = call()
    assert time.monotonic() - started < limit_s, "a call to a dead Redis stalled"
    return result


def test_redis_down_answers_from_the_fallback(tmp_path):
    errors: list[tuple[str, Exception]] = []
    store = ResilientStore(
        RedisStore(f"redis://127.0.0.1:{free_port()}/0"), MemoryStore(), lambda name, exc: errors.append((name, exc))
    )
    try:
        assert timed(lambda: store.claim("event:Ev1")) is True
        assert timed(lambda: store.claim("event:Ev1")) is False
        assert timed(lambda: store.incr("probe-rate:C1", 60)) == 1
        timed(lambda: store.save_reply(a_reply()))
        assert timed(lambda: store.reply_for("C1", "100.1")) == a_reply()
        assert timed(store.ping) is False
        assert store.degraded is True
        assert [name for name, _ in errors] == ["claim", "claim", "incr", "save_reply", "reply_for"]
        assert all(isinstance(exc, redis.RedisError) for _, exc in errors)
    finally:
        store.close()


def test_hung_redis_times_out_quickly():
    errors = []
    with socket.socket() as listener:  # accepts connections (the kernel does) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        store = ResilientStore(
            RedisStore(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", socket_timeout=0.3),
            MemoryStore(),
            lambda name, exc: errors.append(exc),
        )
        assert timed(lambda: store.claim("event:Ev1")) is True
        assert timed(lambda: store.claim("event:Ev1")) is False
        assert timed(store.ping) is False
        store.close()
    assert len(errors) == 2 and all(isinstance(exc, redis.TimeoutError) for exc in errors)


def test_redis_dying_mid_run_degrades_to_the_fallback():
    errors = []
    with running_redis() as server:
        store = ResilientStore(RedisStore(server.url), MemoryStore(), lambda name, exc: errors.append(name))
        assert store.claim("event:Ev1") is True
        assert not store.degraded and store.ping()
        server.stop()
        assert timed(lambda: store.claim("event:Ev2")) is True
        assert store.degraded is True and errors == ["claim"]
        assert timed(store.ping) is False
        store.close()


# -- STATE_URL ----------------------------------------------------------------------------------


def test_open_store_relative_sqlite_path_and_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for store in (open_store("sqlite:///data/one.sqlite3"), open_store(Settings.from_env({}).state_url)):
        assert isinstance(store, ResilientStore) and isinstance(store.primary, SqliteStore)
        store.close()
    assert (tmp_path / "data" / "one.sqlite3").exists()
    assert (tmp_path / "state" / "bot.sqlite3").exists()


def test_open_store_absolute_sqlite_path(tmp_path):
    target = tmp_path / "abs" / "bot.sqlite3"
    store = open_store(f"sqlite:///{target}")
    assert isinstance(store.primary, SqliteStore) and store.primary.path == str(target) and target.is_absolute()
    store.close()
    assert target.exists()


def test_open_store_reads_state_url_from_the_settings():
    assert isinstance(open_store(Settings.from_env({"STATE_URL": "memory://"}).state_url), MemoryStore)
    assert Settings.from_env({"STATE_URL": " redis://r:6379/0 "}).state_url == "redis://r:6379/0"


@pytest.mark.parametrize("scheme", ["redis", "rediss"])
def test_open_store_redis_is_resilient(scheme):
    errors = []
    store = open_store(f"{scheme}://127.0.0.1:{free_port()}/0", on_error=lambda name, exc: errors.append(name))
    assert isinstance(store, ResilientStore)
    assert isinstance(store.primary, RedisStore) and isinstance(store.fallback, MemoryStore)
    assert store.claim("event:Ev1") is True and errors == ["claim"]
    store.close()


@pytest.mark.parametrize("url", ["postgres://db/bot", "sqlite://relative.db", "sqlite:///", "redis://", "memory"])
def test_open_store_rejects_unknown_urls(url):
    with pytest.raises(ValueError, match="STATE_URL") as raised:
        open_store(url)
    for form in ("sqlite:///", "sqlite:////", "redis://", "rediss://", "memory://"):
        assert form in str(raised.value)


@pytest.mark.parametrize("named", [True, False])
def test_strict_open_refuses_a_missing_sqlite_file_without_creating_it(tmp_path, monkeypatch, named):
    monkeypatch.chdir(tmp_path)
    env = {"STATE_URL": "sqlite:///state/bot.sqlite3"} if named else {}
    with pytest.raises(StoreUnavailableError) as raised:
        open_store(Settings.from_env(env).state_url, strict=True)
    message = str(raised.value)
    assert str(tmp_path / "state" / "bot.sqlite3") in message and "does not exist" in message
    assert ("STATE_URL=sqlite:///state/bot.sqlite3" if named else "STATE_URL is not set") in message
    assert not (tmp_path / "state").exists()


def test_strict_open_reads_an_existing_sqlite_file_and_refuses_one_that_is_not_a_database(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    store = open_store(url)
    store.count_answer("APIG.0201", None)
    store.close()
    store = open_store(url, strict=True)
    assert isinstance(store, SqliteStore) and store.answer_counts() == {("APIG.0201", None): 1}
    store.close()
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database, just some bytes " * 100)
    with pytest.raises(StoreUnavailableError, match=r"cannot read .*junk\.sqlite3"):
        open_store(f"sqlite:///{tmp_path}/junk.sqlite3", strict=True)


def test_strict_open_gives_plain_redis_only_when_it_answers(redis_server):
    store = open_store(redis_server.url, strict=True)
    assert isinstance(store, RedisStore) and store.ping()
    store.close()
    dead = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"
    with pytest.raises(StoreUnavailableError, match="Redis does not answer") as raised:
        timed(lambda: open_store(Settings.from_env({"STATE_URL": dead}).state_url, strict=True))
    assert f"STATE_URL=redis://:***@127.0.0.1:{dead.rsplit(':', 1)[1]}" in str(raised.value)
    assert "hunter2secret" not in str(raised.value)


def test_strict_open_refuses_process_memory():
    with pytest.raises(StoreUnavailableError, match="inside the bot's process"):
        open_store("memory://", strict=True)


# -- MemoryStore housekeeping ---------------------------------------------------------------------


def test_memory_store_sweeps_expired_entries_at_most_every_prune_interval():
    clock = FakeClock()
    store = MemoryStore(clock)
    store.claim("first", ttl_s=60)
    claims = store._claims
    for n in range(20_000):
        assert store.claim(f"event:{n}", ttl_s=60)
        store.incr(f"rate:{n}", 60)
        store.save_reply(a_reply(f"{n}.1"), ttl_s=60)
    assert store._claims is claims, "a write copied the claims instead of waiting for the next sweep"
    clock.advance(PRUNE_EVERY_S - 1)
    store.claim("still-no-sweep", ttl_s=600)
    assert len(store._claims) == 20_002 and len(store._counters) == 20_000 and len(store._replies) == 20_000
    clock.advance(60)
    assert store.claim("event:1") is True  # expired claims are free again, swept or not
    assert store._claims.keys() == {"still-no-sweep", "event:1"}
    assert store._counters == {} and store._replies == {}
    assert store.reply_for("C1", "1.1") is None and store.incr("rate:1", 60) == 1


def test_memory_store_stays_bounded_under_steady_traffic():
    clock = FakeClock()
    store = MemoryStore(clock)
    biggest = 0
    for second in range(3 * 3600):
        for n in range(3):
            store.claim(f"event:{second}:{n}", ttl_s=900)
            store.incr(f"rate:{second}:{n}", 60)
            store.save_reply(a_reply(f"{second}.{n}"), ttl_s=600)
        biggest = max(biggest, len(store._claims), len(store._counters), len(store._replies))
        clock.advance(1)
    assert biggest <= 3 * (900 + PRUNE_EVERY_S + 1)


def test_memory_store_keeps_the_newest_gaps():
    store = MemoryStore()
    for n in range(GAPS_KEPT + 5):
        store.log_gap(Gap(float(n), "unmatched", f"paste {n}", "C1"))
    gaps = store.gaps()
    assert len(gaps) == GAPS_KEPT and gaps[0].at == 5.0 and gaps[-1].at == GAPS_KEPT + 4
