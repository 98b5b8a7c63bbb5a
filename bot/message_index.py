"""Fast fuzzy lookup of known error messages inside a paste.

Scanning every message of a large knowledge base with ``partial_ratio`` costs time in
proportion to the knowledge base. Instead, an inverted index of informative words (weighted
by rarity) picks the few messages whose words the paste covers, and only those are verified
with rapidfuzz against the line where their words cluster: as written (``partial_ratio``), or,
for longer messages, reworded (``token_set_ratio``, a little less trusted).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

T = TypeVar("T")

_WORD = re.compile(r"[a-z0-9]{2,}")
_STOP = frozenset(
    [
        "the",
        "is",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "and",
        "or",
        "for",
        "be",
        "by",
        "at",
        "as",
        "it",
        "its",
        "this",
        "that",
        "with",
        "from",
        "not",
        "no",
        "are",
        "was",
        "has",
        "have",
        "been",
        "please",
    ]
)
MAX_LINES = 5000
REWORDED_WORDS = 5
"""A message this long may also be found reworded: its words, in another order, with a few missing."""
REWORDED_PENALTY = 10.0
_ANY_WORD = re.compile(r"[A-Za-z0-9]+")


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


@dataclass(frozen=True)
class MessageHit(Generic[T]):
    """A known message found in the paste."""

    message: str
    payload: T
    score: float
    words: int
    """How many words the message has: short ones ("Request entity too large") are printed by other servers too."""
    window: str
    """The paste's line(s) where it was found."""


class PasteView:
    """A paste split into lines, with each informative word mapped to the lines it is on."""

    def __init__(self, text: str):
        self.lines = text.lower().split("\n", MAX_LINES)[:MAX_LINES]
        self.word_lines: dict[str, list[int]] = defaultdict(list)
        for n, line in enumerate(self.lines):
            for w in dict.fromkeys(_WORD.findall(line)):
                self.word_lines[w].append(n)


class MessageIndex(Generic[T]):
    """Messages with a payload each (for us: playbook and variant)."""

    def __init__(self, entries: list[tuple[str, T]]):
        self.entries = entries
        self._words = [tuple(dict.fromkeys(words(text))) for text, _ in entries]
        self._processed = [default_process(text) for text, _ in entries]
        df: dict[str, int] = defaultdict(int)
        for ws in self._words:
            for w in ws:
                df[w] += 1
        n = max(len(entries), 1)
        self._max_df = max(50, n // 50)
        self._idf = {w: math.log(1 + n / c) for w, c in df.items() if c <= self._max_df}
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._weight = []
        for i, ws in enumerate(self._words):
            total = 0.0
            for w in ws:
                if w in self._idf:
                    self._postings[w].append(i)
                    total += self._idf[w]
            self._weight.append(total)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, view: PasteView, cover: float, verify: float, limit: int = 8) -> list[MessageHit[T]]:
        """Known messages the paste contains, verified with rapidfuzz, best first.

        A message is shortlisted when the paste holds ``cover`` of its informative weight, and kept when
        its ``partial_ratio`` against the line where its words cluster reaches ``verify``.
        """
        acc: dict[int, float] = defaultdict(float)
        for w in view.word_lines:
            weight = self._idf.get(w)
            if weight is not None:
                for i in self._postings[w]:
                    acc[i] += weight
        shortlist = sorted(
            (i for i, got in acc.items() if got >= cover * self._weight[i]),
            key=lambda i: (-acc[i] / self._weight[i], i),
        )[:limit]
        hits = []
        for i in shortlist:
            window = self._window(view, i)
            processed = default_process(window)
            text, payload = self.entries[i]
            count = len(_ANY_WORD.findall(text))
            score = fuzz.partial_ratio(self._processed[i], processed)
            if score < verify and count >= REWORDED_WORDS:  # the same words in another order ("header is invalid")
                score = fuzz.token_set_ratio(self._processed[i], processed) - REWORDED_PENALTY
            if score >= verify:
                hits.append(MessageHit(text, payload, score, count, window))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits

    def _window(self, view: PasteView, i: int) -> str:
        """The line where entry ``i``'s words weigh most, with the line after it."""
        per_line: dict[int, float] = defaultdict(float)
        for w in self._words[i]:
            weight = self._idf.get(w, 0.1)
            for n in view.word_lines.get(w, ()):
                per_line[n] += weight
        best = max(per_line, key=per_line.get)
        return " ".join(view.lines[best : best + 2])[:4000]
