"""Reliability of the engine's confidence: among answers given at confidence c, how many are right?

Reads labelled corpora (the public one and tests/data/*.jsonl by default; or the files named), takes the
best candidate of every paste that has one, and prints, per confidence bucket, how many answers fell in it
and the share that named an expected playbook (a paste that should get no answer counts as wrong). Then
the trade-off of the channel threshold: at each threshold, answers given, share right, and the share of
the should-be-silent pastes that would get an answer.

    python bench/calibration.py [CORPUS.jsonl ...]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

BUCKETS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def default_corpora() -> list[Path]:
    public = ROOT.parent / "shared" / "eval" / "public.jsonl"
    return ([public] if public.exists() else []) + sorted((ROOT / "tests" / "data").glob("*.jsonl"))


def judged(corpora: list[Path]) -> tuple[list[tuple[float, bool, bool]], int]:
    """(confidence, right, should-be-silent) for every paste with a candidate from a prediction surface that reports
    a failure (not talk about one), and the number of should-be-silent pastes."""
    matcher = Matcher(KnowledgeBase.load())
    rows, silent = [], 0
    for path in corpora:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            silent += not case["expect"]
            d = matcher.diagnose(case["text"])
            if d.best is None or d.evidence.surface == "management" or d.evidence.talk:
                continue  # what the threshold decides: answers the bot would give if confident enough
            rows.append((d.best.confidence, d.best.playbook.code in case["expect"], not case["expect"]))
    return rows, silent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path)
    args = parser.parse_args()
    corpora = args.corpora or default_corpora()
    rows, silent = judged(corpora)
    print(f"{len(rows)} answers with a candidate, from {len(corpora)} corpora ({silent} pastes should get none)\n")
    print(f"{'confidence':<12} {'answers':>7} {'right':>7}")
    for low, high in itertools.pairwise(BUCKETS):
        bucket = [right for c, right, _ in rows if low <= c < high or (high == 1.0 and c == 1.0)]
        share = f"{sum(bucket) / len(bucket):.2f}" if bucket else "-"
        print(f"[{low:.2f}, {high:.2f})  {len(bucket):>7} {share:>7}")
    print(f"\n{'threshold':<10} {'answers':>7} {'right':>7} {'silent ones answered':>21}")
    for threshold in THRESHOLDS:
        given = [(right, quiet) for c, right, quiet in rows if c >= threshold]
        right = sum(r for r, _ in given) / len(given) if given else 0.0
        loud = sum(q for _, q in given) / silent if silent else 0.0
        print(f"{threshold:<10.2f} {len(given):>7} {right:>7.3f} {loud:>21.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
