"""Diagnosis as a Slack message: Block Kit blocks plus the plain-text fallback.

Built with slack_sdk's block models, which refuse anything over Slack's limits; texts are cut to
fit first (3000 characters a section, 150 a header, 50 blocks), so Slack never rejects a reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.findings import Candidate, Diagnosis

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FALLBACK_LIMIT = 3000
MAX_BLOCKS = 50
HOPS = (("client", "client"), ("apig", "APIG"), ("dispatcher", "dispatcher"), ("model", "model"))
LAYER_NAMES = {
    "client": "Client / network",
    "apig": "API Gateway (APIG)",
    "dispatcher": "ModelArts dispatcher",
    "model": "Model service",
}
HELPFUL, UNHELPFUL = "feedback_helpful", "feedback_unhelpful"
FEEDBACK_BLOCK = "feedback"
ASK_BETTER = (
    "Paste the whole response: the HTTP status line and the JSON body (`error_code`, `error_msg`), "
    "the full traceback, or the prediction URL you call."
)


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update take: a fallback text and the blocks."""

    text: str
    blocks: list[dict]


def render_answer(d: Diagnosis, *, secrets: tuple[str, ...] = ()) -> SlackMessage:
    """The reply to a paste: the diagnosis, or (when asked directly) the closest candidates."""
    if not d.matched:
        return _render_unsure(d, secrets)
    best = d.best
    code = best.code or best.playbook.code
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=_cut(f"{code} · {best.title}", HEADER_LIMIT), emoji=True)),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"{_hops(best.playbook.layer)}   ·   confidence {best.confidence:.2f}")]
        ),
        _section(f"*Cause*\n{esc(best.cause)}"),
    ]
    title_zh, cause_zh = best.zh()
    if d.evidence.lang == "zh" and cause_zh:
        blocks.append(_section(f"*原因* {esc(title_zh or '')}\n{esc(cause_zh)}"))
    steps = "\n".join(f"{n}. {esc(step)}" for n, step in enumerate(best.steps, 1))
    blocks.append(_section(f"*Fix*\n{steps}"))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(f"Why: {esc(best.why)}", SECTION_LIMIT))]))
    if best.playbook.links:
        links = " · ".join(f"<{url}|{esc(title)}>" for title, url in best.playbook.links[:5])
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(f":book: {links}", SECTION_LIMIT))]))
    if d.others:
        others = ", ".join(f"`{c.code or c.playbook.code}` {esc(c.title)}" for c in d.others[:8])
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(f"Also in this paste: {others}", 2000))]))
    blocks.extend(_notices(d, secrets))
    blocks.append(_feedback(best))
    text = f"{code} ({LAYER_NAMES[best.playbook.layer]}): {best.title}. {best.cause}"
    return _message(text, blocks)


def render_edited_away() -> SlackMessage:
    """What an answer becomes when its paste is edited into something with no known error."""
    text = "The message was edited and no longer shows a known ModelArts prediction error."
    return _message(text, [_section(f"_{text}_")])


def render_feedback_done(blocks: list[dict], user: str, helpful: bool) -> list[dict]:
    """The answer's blocks with the vote buttons swapped for a thank-you."""
    verdict = "helpful :+1:" if helpful else "not helpful :-1: (it goes to the knowledge-base review)"
    thanks = ContextBlock(
        block_id=FEEDBACK_BLOCK, elements=[MarkdownTextObject(text=f"Thanks <@{user}>, marked {verdict}.")]
    )
    kept = [b for b in blocks if b.get("block_id") != FEEDBACK_BLOCK]
    return [*kept, thanks.to_dict()]


def render_secret_warning(kinds: tuple[str, ...]) -> str:
    """The message only the poster sees when their paste carried credentials."""
    what = ", ".join(kinds)
    return (
        f":warning: Your message contains a credential ({what}). I masked it in my answer, but it is still "
        "visible in your message: please delete the message and rotate the credential "
        "(new token / AK/SK / AppCode / Slack token)."
    )


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render_unsure(d: Diagnosis, secrets: tuple[str, ...]) -> SlackMessage:
    lines = ["I could not find a known ModelArts prediction error in this message."]
    if d.candidates:
        lines.append("Closest matches:")
        lines.extend(
            f"• `{c.code or c.playbook.code}` {esc(c.title)} (confidence {c.confidence:.2f}: {esc(c.why)})"
            for c in d.candidates[:3]
        )
    blocks: list[Block] = [
        _section("\n".join(lines)),
        ContextBlock(elements=[MarkdownTextObject(text=ASK_BETTER)]),
        *_notices(d, secrets),
    ]
    return _message(lines[0], blocks)


def _notices(d: Diagnosis, secrets: tuple[str, ...]) -> list[Block]:
    notes = []
    if d.evidence.truncated:
        notes.append(":scissors: The paste was long; I read its first 200,000 characters.")
    if secrets:
        notes.append(f":lock: I masked credentials in your paste ({', '.join(secrets)}).")
    return [ContextBlock(elements=[MarkdownTextObject(text=n)]) for n in notes]


def _feedback(best: Candidate) -> ActionsBlock:
    value = f"{best.playbook.code}|{best.variant.id if best.variant else ''}"
    return ActionsBlock(
        block_id=FEEDBACK_BLOCK,
        elements=[
            ButtonElement(text=PlainTextObject(text=":+1: Helpful", emoji=True), action_id=HELPFUL, value=value),
            ButtonElement(text=PlainTextObject(text=":-1: Not helpful", emoji=True), action_id=UNHELPFUL, value=value),
        ],
    )


def _hops(layer: str) -> str:
    marked = [f"*{name}* :x:" if key == layer else name for key, name in HOPS]
    return f"{LAYER_NAMES[layer]}:  " + " → ".join(marked)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_cut(text, SECTION_LIMIT)))


def _message(text: str, blocks: list[Block]) -> SlackMessage:
    dicts = [b.to_dict() for b in blocks[:MAX_BLOCKS]]  # to_dict() validates every Block Kit limit
    return SlackMessage(text=_cut(text, FALLBACK_LIMIT), blocks=dicts)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
