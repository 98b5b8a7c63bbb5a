"""Event-to-reply latency of the Slack app against the mock Web API on loopback.

Starts the real bot (Bolt app behind an HTTP server, reply pool, in-memory store) and the mock
Slack Web API, sends N signed message events carrying playbook example pastes at a steady rate,
and prints ack latency (HTTP response to Slack) and event-to-reply latency (event sent ->
chat.postMessage received by the mock): median and p99.

    python bench/bench_slack.py [--events 200] [--rate 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.matcher import Matcher  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.settings import Settings, SlackSettings  # noqa: E402
from bot.slack.web import slack_wsgi  # noqa: E402
from bot.store.memory import MemoryStore  # noqa: E402
from tests.doubles.slack_api import MockSlackAPI  # noqa: E402
from tests.doubles.slack_requests import SECRET, message_event, post_event  # noqa: E402


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--rate", type=float, default=20.0, help="events per second")
    args = ap.parse_args()

    kb = KnowledgeBase.load()
    matcher = Matcher(kb)
    pastes = [ex.text for p in kb.playbooks.values() for ex in p.examples if matcher.diagnose(ex.text).matched]
    api = MockSlackAPI().start()
    settings = Settings(slack=SlackSettings("xoxb-bench", None, SECRET, api.url))
    runtime = build_runtime(settings, store=MemoryStore())
    server = make_server("127.0.0.1", 0, slack_wsgi(runtime), _Server, _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"

    sent_at: dict[str, float] = {}
    acks: list[float] = []
    gap = 1.0 / args.rate
    start = time.monotonic()
    for n in range(args.events):
        ts = f"1800000000.{n:06d}"
        sent_at[ts] = time.monotonic()
        acks.append(post_event(url, message_event(pastes[n % len(pastes)], ts=ts)).elapsed)
        time.sleep(max(0.0, start + (n + 1) * gap - time.monotonic()))
    replies = api.wait_for("chat.postMessage", count=args.events, timeout=60)
    latency = [c.at - sent_at[c.body["thread_ts"]] for c in replies if c.body.get("thread_ts") in sent_at]
    server.shutdown()
    api.stop()
    ms = 1000.0
    print(f"events sent: {args.events} at {args.rate:.0f}/s; replies: {len(latency)}")
    print(f"ack latency          median {statistics.median(acks) * ms:7.2f} ms   p99 {pct(acks, 0.99) * ms:7.2f} ms")
    print(
        f"event-to-reply       median {statistics.median(latency) * ms:7.2f} ms   p99 {pct(latency, 0.99) * ms:7.2f} ms"
    )


if __name__ == "__main__":
    main()
