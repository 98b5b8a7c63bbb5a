"""The text of a Slack message as a person reads it: its ``text``, and what sits only in its blocks or attachments.

Messages written in Slack's editor carry their words twice (``text`` and ``rich_text`` blocks); those
posted by apps, workflows and integrations often have an empty ``text`` and the error in blocks or
attachments. Each part is read once, and bounded: Slack caps what it sends, and so do we.
"""

from __future__ import annotations

MAX_PARTS = 200
"""Blocks, elements and attachments read from one message, at most."""


def message_text(message: dict) -> str:
    """``text``, then whatever the blocks and attachments say that ``text`` does not already hold."""
    text = str(message.get("text") or "")
    for part in [*_blocks_text(message.get("blocks")), *_attachments_text(message.get("attachments"))][:MAX_PARTS]:
        if part.strip() and part.strip() not in text:
            text = f"{text}\n{part}" if text else part
    return text


def file_ids(message: dict) -> tuple[str, ...]:
    """The ids of the files shared with the message (snippets are read when the paste is worked)."""
    files = message.get("files") or ()
    return tuple(str(f["id"]) for f in files if isinstance(f, dict) and f.get("id")) if isinstance(files, list) else ()


def _blocks_text(blocks) -> list[str]:
    out: list[str] = []
    for block in blocks if isinstance(blocks, list) else ():
        if not isinstance(block, dict):
            continue
        if block.get("type") == "rich_text":
            out.append("".join(_rich(element) for element in block.get("elements") or ()))
        for key in ("text", "fields"):
            value = block.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and isinstance(item.get("text"), str):
                    out.append(item["text"])
    return out


def _rich(element) -> str:
    """The words of a rich_text element (sections, lists, quotes, preformatted code), as lines."""
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "text":
        return str(element.get("text") or "")
    if kind == "link":
        return str(element.get("text") or element.get("url") or "")
    children = "".join(_rich(child) for child in element.get("elements") or () if isinstance(child, dict))
    return children + "\n" if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote") else children


def _attachments_text(attachments) -> list[str]:
    out: list[str] = []
    for attachment in attachments if isinstance(attachments, list) else ():
        if not isinstance(attachment, dict):
            continue
        for key in ("pretext", "title", "text", "fallback"):
            if isinstance(attachment.get(key), str):
                out.append(attachment[key])
        for field in attachment.get("fields") or ():
            if isinstance(field, dict):
                out.append(f"{field.get('title') or ''}: {field.get('value') or ''}")
    return out
