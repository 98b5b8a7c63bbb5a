"""Load: distinct paste events at a steady rate with redeliveries, against real bot processes.

Two setups: one bot process on SQLite, and two bot processes sharing a real Redis (each event
goes to one replica and its redeliveries to the other, as a balancer would spread them). The mock
Slack Web API runs in this process on loopback. Prints answers (must equal the distinct pastes),
duplicates (must be 0), ack latency median/p99, event-to-reply median/p99, and each process's peak
RSS.

    python bench/bench_load.py [--events 2000] [--rate 50] [--redeliver 0.2]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.matcher import Matcher  # noqa: E402
from tests.doubles.slack_api import MockSlackAPI  # noqa: E402
from tests.doubles.slack_requests import SECRET, message_event, post_event  # noqa: E402
from tests.redis_server import free_port, running_redis  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_bot(api: MockSlackAPI, state_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and not k.lower().endswith("_proxy")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api.url, STATE_URL=state_url,
               LOG_LEVEL="WARNING")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("bot did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(label: str, bases: list[str], api: MockSlackAPI, pastes: list[str], args) -> None:
    rng = random.Random(11)
    schedule = []  # (at, base, event, event_id, retry)
    gap = 1.0 / args.rate
    for n in range(args.events):
        at = n * gap
        event = message_event(pastes[n % len(pastes)], ts=f"1950000000.{n:06d}")
        first = bases[n % len(bases)]
        schedule.append((at, first, event, f"EvLoad{n}", None))
        if rng.random() < args.redeliver:
            other = bases[(n + 1) % len(bases)]
            schedule.append((at + rng.uniform(0.2, 2.0), other, event, f"EvLoad{n}", 1))
    schedule.sort(key=lambda s: s[0])
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    lock = threading.Lock()

    def send(item):
        _, base, event, event_id, retry = item
        if retry is None:
            with lock:
                sent_at[event["ts"]] = time.monotonic()
        answer = post_event(base + "/slack/events", event, event_id, retry)
        with lock:
            acks.append(answer.elapsed)
        assert answer.status == 200

    start = time.monotonic()
    with ThreadPoolExecutor(32) as senders:
        for item in schedule:
            time.sleep(max(0.0, start + item[0] - time.monotonic()))
            senders.submit(send, item)
    replies = api.wait_for("chat.postMessage", count=args.events, timeout=120)
    time.sleep(2.0)  # late duplicates, if any, would show now
    replies = api.calls_to("chat.postMessage")
    threads = [c.body["thread_ts"] for c in replies]
    latency = [c.at - sent_at[c.body["thread_ts"]] for c in replies if c.body["thread_ts"] in sent_at]
    ms = 1000.0
    print(
        f"\n== {label}: {args.events} distinct pastes at {args.rate:.0f}/s, {len(schedule) - args.events} redelivered"
    )
    print(f"answers {len(set(threads))} (distinct pastes {args.events}); duplicates {len(threads) - len(set(threads))}")
    print(f"ack latency       median {statistics.median(acks) * ms:7.2f} ms   p99 {pct(acks, 0.99) * ms:7.2f} ms")
    print(f"event-to-reply    median {statistics.median(latency) * ms:7.2f} ms   p99 {pct(latency, 0.99) * ms:7.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--redeliver", type=float, default=0.2)
    args = ap.parse_args()
    kb = KnowledgeBase.load()
    matcher = Matcher(kb)
    pastes = [ex.text for p in kb.playbooks.values() for ex in p.examples if matcher.diagnose(ex.text).matched]

    api = MockSlackAPI().start()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_bot(api, f"sqlite:///{tmp}/state.sqlite3")
        try:
            run("one process, SQLite", [base], api, pastes, args)
            print(f"peak RSS: {peak_rss_mb(proc.pid):.0f} MB")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    api.reset()
    with running_redis() as redis:
        procs = [start_bot(api, redis.url) for _ in range(2)]
        try:
            run("two processes, Redis", [base for _, base in procs], api, pastes, args)
            print("peak RSS: " + ", ".join(f"{peak_rss_mb(p.pid):.0f} MB" for p, _ in procs))
        finally:
            for p, _ in procs:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(30)
    api.stop()


if __name__ == "__main__":
    main()
