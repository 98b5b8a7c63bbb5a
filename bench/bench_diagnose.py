"""Benchmark of the diagnosis engine: prints time per paste and load time.

Two knowledge bases: the shipped playbooks, and 10,000 playbooks (the shipped ones plus
generated ones with vendor-table-like codes, messages and variants). For each: load time, then
median and p99 time per paste and pastes per second over a corpus of realistic pastes (every
playbook example, plus ../shared/eval/public.jsonl when present), side by side with a naive
scan (rapidfuzz ``partial_ratio`` of the paste against every known message).

    python bench/bench_diagnose.py [--playbooks N] [--naive-pastes K]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from rapidfuzz.utils import default_process  # noqa: E402

from bot.knowledge import SHIPPED_DIR, KnowledgeBase  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

WORDS = (
    "request backend service gateway token invalid expired quota limit model instance connection refused timeout "
    "denied header body size protocol signature region project endpoint configuration plugin route stage policy "
    "upstream response payload tenant cluster resource schedule agency bucket dataset version image container port "
    "address certificate domain credential permission session throttle capacity channel stream batch job node"
).split()


def corpus(kb: KnowledgeBase) -> list[str]:
    pastes = [ex.text for p in kb.playbooks.values() for ex in p.examples]
    pastes += [c for p in kb.playbooks.values() for c in p.counterexamples]
    public = ROOT.parent / "shared" / "eval" / "public.jsonl"
    if public.exists():
        pastes += [json.loads(line)["text"] for line in public.read_text(encoding="utf-8").splitlines() if line]
    return pastes


def generate(target: Path, count: int, rng: random.Random) -> None:
    """Write the shipped playbooks plus generated ones until ``count`` files exist."""
    shipped = sorted(SHIPPED_DIR.rglob("*.yaml"))
    taken = set()
    for path in shipped:
        (target / path.name).write_bytes(path.read_bytes())
        taken.add(path.stem.lower())
    n = len(shipped)
    while n < count:
        prefix = rng.choice(["APIG", "ModelArts", "MR"])
        code = f"{prefix}.{rng.randrange(10000):04d}"
        if code.lower() in taken:
            continue
        taken.add(code.lower())
        messages = [" ".join(rng.choices(WORDS, k=rng.randint(4, 9))).capitalize() + "." for _ in range(2)]
        doc = {
            "code": code,
            "title": f"Generated playbook {code}",
            "layer": rng.choice(["apig", "dispatcher", "model"]),
            "http_status": [rng.choice([400, 401, 403, 404, 429, 500, 502, 503, 504])],
            "messages": messages,
            "cause": "Generated for the benchmark: " + " ".join(rng.choices(WORDS, k=12)),
            "steps": ["Check the " + " ".join(rng.choices(WORDS, k=4)), "Retry the call once fixed."],
            "examples": [json.dumps({"error_code": code, "error_msg": messages[0]})],
        }
        if rng.random() < 0.2:
            doc["variants"] = [
                {
                    "id": f"v{i}",
                    "title": f"Variant {i}",
                    "http_status": [400 + i],
                    "messages": [" ".join(rng.choices(WORDS, k=6)) + "."],
                    "cause": "Generated variant cause " + " ".join(rng.choices(WORDS, k=6)),
                    "steps": ["Generated step " + " ".join(rng.choices(WORDS, k=3))],
                }
                for i in range(3)
            ]
        (target / f"{code}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        n += 1


def time_engine(matcher: Matcher, pastes: list[str], rounds: int) -> list[float]:
    for paste in pastes:  # warm up
        matcher.diagnose(paste)
    times = []
    for _ in range(rounds):
        for paste in pastes:
            t = time.perf_counter()
            matcher.diagnose(paste)
            times.append(time.perf_counter() - t)
    return times


def time_naive(kb: KnowledgeBase, pastes: list[str]) -> list[float]:
    messages = [m for p in kb.playbooks.values() for m in p.messages + tuple(x for v in p.variants for x in v.messages)]
    times = []
    for paste in pastes:
        t = time.perf_counter()
        process.extractOne(paste, messages, scorer=fuzz.partial_ratio, processor=default_process)
        times.append(time.perf_counter() - t)
    return times


def summary(label: str, times: list[float]) -> dict:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    row = {
        "label": label,
        "pastes": len(times),
        "median_ms": statistics.median(times) * 1000,
        "p99_ms": p99 * 1000,
        "per_s": len(times) / sum(times),
    }
    print(
        f"{label:<34} n={row['pastes']:<6} median {row['median_ms']:8.3f} ms   p99 {row['p99_ms']:8.3f} ms"
        f"   {row['per_s']:10.0f} pastes/s"
    )
    return row


def run(kb_dir: Path, label: str, rounds: int, naive_pastes: int) -> None:
    t = time.perf_counter()
    kb = KnowledgeBase.load(kb_dir)
    load_s = time.perf_counter() - t
    print(f"\n== {label}: {len(kb)} playbooks, {len(kb.messages)} messages, loaded in {load_s:.2f} s")
    pastes = corpus(KnowledgeBase.load(SHIPPED_DIR))
    engine = summary("engine (index + verify)", time_engine(Matcher(kb), pastes, rounds))
    sample = pastes[:: max(1, len(pastes) // naive_pastes)]
    naive = summary("naive partial_ratio scan", time_naive(kb, sample))
    print(
        f"speed-up at the median: {naive['median_ms'] / engine['median_ms']:.0f}x, at p99: "
        f"{naive['p99_ms'] / engine['p99_ms']:.0f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--playbooks", type=int, default=10_000, help="size of the generated knowledge base")
    ap.add_argument("--rounds", type=int, default=5, help="passes over the corpus per knowledge base")
    ap.add_argument(
        "--naive-pastes", type=int, default=300, help="pastes timed with the naive scan (spread over the corpus)"
    )
    args = ap.parse_args()
    run(SHIPPED_DIR, "shipped knowledge base", args.rounds, args.naive_pastes)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.playbooks, random.Random(7))
        run(Path(tmp), f"generated knowledge base ({args.playbooks})", args.rounds, args.naive_pastes)


if __name__ == "__main__":
    main()
