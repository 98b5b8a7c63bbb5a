"""Finds the playbook a paste describes in people's own words, when it quotes no code and no known message.

Each playbook (and each of its variants) is a small document: its titles, its cause and its known
messages, in English and Chinese. A paste is scored against them with BM25 over stemmed English
words and Chinese character pairs, through an inverted index, so the cost grows with the paste and
not with the knowledge base. The matcher decides what a score is worth (``Scoring``).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import snowballstemmer

T = TypeVar("T")

_WORD = re.compile(r"[a-z][a-z0-9]{2,}")
_AMOUNT = re.compile(r"(?<![\w.])(\d{1,5})\s?(mb|kb|gb|m|k|(?=\b))(?![\w.])")
"""Sizes and numbers a playbook names (``12 MB``, ``4503``), as terms of their own."""
_SPAN = re.compile(
    r"(?<![\w.])(\d{1,5}|an?|one|two|twenty|thirty|forty|fifty|sixty|一|两|二)\s?-?\s?"
    r"(seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|秒|分钟|小时|天)(?![a-z])"
)
"""A span of time (``40 s``, ``forty seconds``, ``a day``, ``24-hour``, ``一天``), as one term in seconds: people and
playbooks name the same limit in other words."""
_COUNT = {"a": 1, "an": 1, "one": 1, "一": 1, "two": 2, "两": 2, "二": 2, "twenty": 20, "thirty": 30, "forty": 40,
          "fifty": 50, "sixty": 60}  # fmt: skip
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "秒": 1, "分": 60, "小": 3600, "天": 86400}
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_BRITISH = re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$")
_STOP = frozenset(
    """the and for are was were has have had not but with from this that these those when what which while who
    whom why how all any can could would should will may might must into onto our ours your yours their theirs
    its it's his her him she they them then than there here also just only very too more most some such each
    every other again once out off over under about after before because until both same own does did doing
    done get gets got getting one two three use used using via per like make made see seen still even ever
    never now always sometimes please thanks thank hi hello anyone someone something anything everything
    today yesterday tomorrow morning night""".split()
)
K1, B = 1.2, 0.75
COMMON = 0.25
FEW = 1000


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(_BRITISH.sub(r"iz\1", word))


_STEMMER = snowballstemmer.stemmer("english")


def terms(text: str) -> list[str]:
    """The words a description is matched on: stemmed English words, sizes and code numbers (``12mb``,
    ``4503``), and pairs of Chinese characters."""
    lower = text.lower()
    out = [_stem(w) for w in _WORD.findall(lower) if w not in _STOP]
    out += [n + {"m": "mb", "k": "kb"}.get(unit, unit) for n, unit in _AMOUNT.findall(lower)]
    out += [f"{_seconds(n, unit)}sec" for n, unit in _SPAN.findall(lower)]
    for run in _CJK_RUN.findall(lower):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _seconds(count: str, unit: str) -> int:
    return (int(count) if count.isdigit() else _COUNT[count]) * _UNIT[unit[0]]


@dataclass(frozen=True)
class DescriptionHit(Generic[T]):
    payload: T
    score: float


class DescriptionIndex(Generic[T]):
    """BM25 over short documents, each with a payload (for us: playbook and variant)."""

    def __init__(self, documents: list[tuple[str, T]]):
        self.payloads = [payload for _, payload in documents]
        counted = [Counter(terms(text)) for text, _ in documents]
        self._length = [sum(c.values()) for c in counted]
        average = sum(self._length) / max(len(counted), 1)
        self._norm = [K1 * (1 - B + B * n / max(average, 1e-9)) for n in self._length]
        df: dict[str, int] = defaultdict(int)
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, c in enumerate(counted):
            for term, tf in c.items():
                df[term] += 1
                self._postings[term].append((i, tf))
        n = len(counted)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, text: str, limit: int = 5) -> list[DescriptionHit[T]]:
        """Documents best described by ``text`` (each query term counted once), best first. In a large knowledge
        base, terms found in more than ``COMMON`` of the documents (and more than ``FEW``) are skipped: they barely
        tell documents apart, and their postings would be most of the work."""
        scores: dict[int, float] = defaultdict(float)
        common = max(COMMON * len(self.payloads), FEW)
        for term in dict.fromkeys(terms(text)):
            postings = self._postings.get(term)
            if not postings or len(postings) > common:
                continue
            idf = self._idf[term]
            for i, tf in postings:
                scores[i] += idf * tf * (K1 + 1) / (tf + self._norm[i])
        best = heapq.nlargest(limit, scores.items(), key=lambda item: item[1])
        return [DescriptionHit(self.payloads[i], score) for i, score in best]
