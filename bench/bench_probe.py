"""The probe's own overhead over a bare request, and the refusal list, against the local fake gateway.

For N rounds: a bare ``http.client`` POST to the fake gateway (new connection each time, as a
probe makes), then a full probe of the same endpoint (DNS, connect, request, classification by
the matcher). Prints the median and p99 of both and the difference. Then probes a list of hostile
URLs (loopback in every notation, metadata, private nets, wrong schemes, credentials in the URL)
with a connection trap listening, and prints how many were refused and how many connections the
trap saw (must be 0).

    python bench/bench_probe.py [--rounds 100]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.matcher import Matcher  # noqa: E402
from bot.probe.ladder import Prober  # noqa: E402
from bot.probe.result import Target  # noqa: E402
from bot.probe.safety import UrlRules  # noqa: E402
from tests.doubles.fake_gateway import ConnectionTrap, FakeGateway  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bare(port: int, path: str) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
    connection.getresponse().read()
    connection.close()
    return time.perf_counter() - started


def hostile(port: int) -> list[str]:
    hosts = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "0x7f.1", "[::ffff:127.0.0.1]",
             "[::1]", "0.0.0.0", "localhost", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254",
             "100.100.100.200", "[fd00:ec2::254]", "[::ffff:169.254.169.254]"]  # fmt: skip
    others = [f"ftp://127.0.0.1:{port}/", f"gopher://127.0.0.1:{port}/_", "file:///etc/passwd",
              f"http://user:pw@127.0.0.1:{port}/"]  # fmt: skip
    return [*(f"http://{h}:{port}/v1/infers/x" for h in hosts), *others]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    matcher = Matcher(KnowledgeBase.load())
    ms = 1000.0
    with FakeGateway() as gateway:
        for scenario, label in (("ok", "healthy answer"), ("apig-0301", "APIG.0301 answer")):
            url = gateway.url(scenario)
            path = url.split(str(gateway.port), 1)[1]
            prober = Prober(lambda: matcher)
            target = Target("bench", url, body=b"{}", trusted=True)
            for _ in range(10):  # warm up both paths
                bare(gateway.port, path)
                prober.probe(target)
            plain, probed = [], []
            for _ in range(args.rounds):
                plain.append(bare(gateway.port, path))
                started = time.perf_counter()
                prober.probe(target)
                probed.append(time.perf_counter() - started)
            print(
                f"{label:<18} bare request median {statistics.median(plain) * ms:6.2f} ms  p99 {pct(plain, 0.99) * ms:6.2f}"
                f" | probe median {statistics.median(probed) * ms:6.2f} ms  p99 {pct(probed, 0.99) * ms:6.2f}"
                f" | overhead median {(statistics.median(probed) - statistics.median(plain)) * ms:5.2f} ms"
            )
    rules = UrlRules(allowed_hosts=("*",))  # let every host through the allowlist: the address checks must refuse
    with ConnectionTrap() as trap:
        prober = Prober(lambda: matcher, rules)
        urls = hostile(trap.port)
        refused = sum(1 for url in urls if prober.probe(Target(url, url)).refused)
        print(f"hostile URLs refused: {refused}/{len(urls)}; connections that reached the trap: {trap.accepted}")


if __name__ == "__main__":
    main()
