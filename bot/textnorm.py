"""Turns whatever a person pasted into plain text the extractor can read.

The paste is bounded first (its head and its tail: logs put the error at the end), so every later
step runs in bounded time and memory. Then Slack markup (``&lt;``, ``<url|label>``, mentions, code
fences, bold) is undone, terminal colour codes, control bytes and invisible format characters
(zero-width spaces, joiners, BOMs) are dropped, full-width punctuation is folded (NFKC plus the CJK
marks NFKC keeps), JSON strings escaped inside log lines are unescaped, and letters borrowed from
other scripts inside Latin words (a Cyrillic ``А`` in ``АPIG``) are folded to the Latin letters they
imitate, from Unicode's confusables table.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import confusable_homoglyphs

MAX_CHARS = 200_000
"""Longest paste read: its first quarter and the rest from its end."""
ELISION = "\n[... cut ...]\n"
"""Where a long paste was cut (plain ASCII, so normalising keeps it: later steps still see the cut)."""

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|<>\s]{1,4000})\|([^<>]{0,400})>")
_SLACK_BARE_LINK = re.compile(r"<((?:https?|mailto):[^|<>\s]{1,4000})>")
_SLACK_CHANNEL = re.compile(r"<#[A-Z0-9]{1,30}\|([^<>]{0,100})>")
_SLACK_MENTION = re.compile(r"<[@!][A-Za-z0-9^|_-]{1,60}>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]{1,300}?)(?<=\S)\*(?![\w*])")
_ANSI = re.compile(r"\x1b\[[0-9;?]{0,30}[A-Za-z]|\x1b\][^\x07\x1b]{0,200}(?:\x07|\x1b\\\\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_ESCAPED = re.compile(r'\\(?:\\\\)*(["nt/])')
"""A JSON escape inside a log line: ``\\"``, ``\\n``, ``\\t``, ``\\/`` (at any nesting depth)."""
_WORD = re.compile(r"\w+")
_CJK_FOLD = str.maketrans({"。": ". ", "、": ", ", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."})


def to_text(data: str | bytes) -> str:
    """Decode bytes leniently (invalid UTF-8 becomes U+FFFD); strings pass through."""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


def bound(text: str, limit: int = MAX_CHARS) -> tuple[str, bool]:
    """At most ``limit`` characters: the head (a quarter) and the tail of a longer text, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    head = limit // 4
    return text[:head] + ELISION + text[-(limit - head) :], True


def normalize(data: str | bytes) -> tuple[str, bool]:
    """Return the paste as plain text, and whether it was cut to its head and tail (here, or before)."""
    text, truncated = bound(to_text(data))
    truncated = truncated or ELISION in text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ANSI.sub("", text)
    text = _INVISIBLE.sub("", _CONTROL.sub("", text))
    text = unslack(text)
    text = unicodedata.normalize("NFKC", text).translate(_CJK_FOLD)
    if '\\"' in text:  # JSON escaped inside log lines (Kubernetes, structured loggers)
        text = _ESCAPED.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)
    return (text if text.isascii() else _WORD.sub(_fold_mixed, text)), truncated


def _fold_mixed(m: re.Match) -> str:
    """A word mixing ASCII letters or digits with look-alikes from other scripts, folded to ASCII."""
    word = m.group(0)
    if word.isascii() or not any(c.isascii() for c in word):
        return word
    return word.translate(_homoglyphs())


@cache
def _homoglyphs() -> dict[int, str]:
    """Characters of other alphabets that Unicode lists as confusable with one ASCII letter or digit.

    CJK and the like are left out: a Chinese sentence around a code is not a disguise.
    """
    path = Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    table = {}
    for char, homoglyphs in json.loads(path.read_text(encoding="utf-8")).items():
        if len(char) != 1 or char.isascii() or ord(char) >= 0x2E80:
            continue
        targets = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()]
        if targets:
            table[ord(char)] = targets[0]
    return table


def unslack(text: str) -> str:
    """Undo Slack's message markup, keeping link targets and labels as words."""
    text = _SLACK_LINK.sub(r"\1 \2", text)
    text = _SLACK_BARE_LINK.sub(r"\1", text)
    text = _SLACK_CHANNEL.sub(r"#\1", text)
    text = _SLACK_MENTION.sub("", text)
    text = text.replace("```", "\n").replace("`", "")
    text = _BOLD.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
