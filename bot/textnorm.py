"""Turns whatever a person pasted into plain text the extractor can read.

Slack markup (``&lt;``, ``<url|label>``, mentions, code fences, bold) is undone, full-width
punctuation is folded (NFKC plus the CJK marks NFKC keeps), control bytes are dropped, and the
input is capped so that every later step runs in bounded time and memory.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 200_000
"""Longest paste read; the rest is ignored (and the caller told so)."""

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|<>\s]{1,4000})\|([^<>]{0,400})>")
_SLACK_BARE_LINK = re.compile(r"<((?:https?|mailto):[^|<>\s]{1,4000})>")
_SLACK_CHANNEL = re.compile(r"<#[A-Z0-9]{1,30}\|([^<>]{0,100})>")
_SLACK_MENTION = re.compile(r"<[@!][A-Za-z0-9^|_-]{1,60}>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]{1,300}?)(?<=\S)\*(?![\w*])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK_FOLD = str.maketrans({"。": ". ", "、": ", ", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."})


def to_text(data: str | bytes) -> str:
    """Decode bytes leniently (invalid UTF-8 becomes U+FFFD); strings pass through."""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


def normalize(data: str | bytes) -> tuple[str, bool]:
    """Return the paste as plain text, and whether it was cut at ``MAX_CHARS``."""
    text = to_text(data)
    truncated = len(text) > MAX_CHARS
    if truncated:
        text = text[:MAX_CHARS]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = unslack(text)
    text = unicodedata.normalize("NFKC", text).translate(_CJK_FOLD)
    return text, truncated


def unslack(text: str) -> str:
    """Undo Slack's message markup, keeping link targets and labels as words."""
    text = _SLACK_LINK.sub(r"\1 \2", text)
    text = _SLACK_BARE_LINK.sub(r"\1", text)
    text = _SLACK_CHANNEL.sub(r"#\1", text)
    text = _SLACK_MENTION.sub("", text)
    text = text.replace("```", "\n").replace("`", "")
    text = _BOLD.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
