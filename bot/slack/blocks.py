"""Triage results and probe results as Slack messages: Block Kit blocks plus the plain-text fallback.

Built with slack_sdk's block models, which refuse anything over Slack's limits; texts are cut to
fit first (``protocol``'s limits), so Slack never rejects a reply.
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

from bot.extract import PredictionUrl
from bot.findings import Candidate, Diagnosis
from bot.probe.result import ProbeResult
from bot.redact import mask
from bot.render.text import ASK_BETTER
from bot.slack.protocol import (
    CONTEXT_LIMIT,
    FALLBACK_LIMIT,
    FEEDBACK_BLOCK,
    HEADER_LIMIT,
    HELPFUL,
    MAX_BLOCKS,
    PROBE_BLOCK,
    RUN_PROBE,
    SECTION_LIMIT,
    UNHELPFUL,
    button_value,
)
from bot.triage import Outcome, Triage
from bot.vocabulary import Layer, Route, Verdict, shorten


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update take: a fallback text and the blocks."""

    text: str
    blocks: list[dict]


def render_triage(t: Triage, paste_ts: str) -> SlackMessage:
    """The reply a triaged paste gets; every button carries ``paste_ts`` (see ``protocol``)."""
    if t.outcome is Outcome.AUTO_PROBE:
        return render_probing(t.service.name)
    if t.outcome is Outcome.RECOGNISED_URL:
        return render_recognised_url(t.url, t.service.name if t.service else None, t.probe, paste_ts)
    return render_answer(t.diagnosis, secrets=t.secrets, probe=t.probe, paste_ts=paste_ts)


def render_answer(
    d: Diagnosis, *, paste_ts: str, secrets: tuple[str, ...] = (), probe: str | None = None
) -> SlackMessage:
    """The reply to a paste: the diagnosis, or (when asked directly) the closest candidates.

    ``probe`` names what a "Run live probe" button would probe (a registered service or an allowed URL).
    """
    if not d.matched:
        return _render_unsure(d, secrets, probe, paste_ts)
    best = d.best
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=shorten(f"{best.label} · {best.title}", HEADER_LIMIT), emoji=True)),
        _context(f"{_hops(d.route, best.layer)}   ·   confidence {best.confidence:.2f}"),
        _section(f"*Cause*\n{esc(best.cause)}"),
    ]
    title_zh, cause_zh = best.zh()
    if d.evidence.lang == "zh" and cause_zh:
        blocks.append(_section(f"*原因* {esc(title_zh or '')}\n{esc(cause_zh)}"))
    steps = "\n".join(f"{n}. {esc(step)}" for n, step in enumerate(best.steps, 1))
    blocks.append(_section(f"*Fix*\n{steps}"))
    if best.variant is None and best.playbook.variants:
        blocks.append(_section("*Which one is it?* The status and message tell the cases apart:\n" + _cases(best)))
    blocks.append(_context(f"Why: {esc(best.why)}"))
    blocks.extend(_links(best))
    if d.others:
        others = ", ".join(f"`{c.label}` {esc(c.title)}" for c in d.others[:8])
        blocks.append(_context(f"Also in this paste: {others}"))
    blocks.extend(_notices(d, secrets))
    blocks.append(_feedback(probe, paste_ts))
    text = f"{best.label} ({best.layer.display}): {best.title}. {best.cause}"
    return _message(text, blocks)


def render_recognised_url(url: PredictionUrl, service: str | None, probe: str | None, paste_ts: str) -> SlackMessage:
    """The reply to a paste that carries a prediction URL and no error."""
    facts = [f"*Host* `{esc(url.host)}`"]
    if url.region:
        facts.append(f"*Region* `{url.region}`")
    if url.service_id:
        facts.append(f"*Service id* `{url.service_id}` ({url.api_version or 'v1'} inference)")
    if url.custom_path:
        facts.append(f"*Custom path* `{esc(url.custom_path)}`")
    facts.append(f"*Registered as* `{service}`" if service else "_Not a registered service_")
    text = (
        "That looks like a ModelArts console link to a service."
        if url.console
        else "That looks like a ModelArts prediction URL."
    )
    blocks: list[Block] = [_section(f"{text}\n" + "\n".join(facts))]
    if probe:
        blocks.append(ActionsBlock(block_id=PROBE_BLOCK, elements=[_probe_button(paste_ts)]))
    else:
        blocks.append(_context("Only registered services and Huawei Cloud gateway or MaaS URLs can be probed."))
    return _message(text, blocks)


def render_probing(label: str) -> SlackMessage:
    """The placeholder a probe result replaces."""
    text = f":hourglass_flowing_sand: Probing {mask(label)}…"
    return _message(text, [_section(esc(text))])


def render_probe(result: ProbeResult) -> SlackMessage:
    """A probe result: the verdict, each rung timed, and the matching playbook's cause and fix."""
    if result.refused:
        text = f"Not probed: {result.refused}"
        return _message(text, [_section(f":no_entry: {esc(text)}")])
    failed = result.verdict != Verdict.OK
    icon = ":x:" if failed else ":white_check_mark:"
    headline = f"{result.target} {Verdict(result.verdict).text}" if failed else f"{result.target} is healthy"
    best = result.best if failed else None
    if best:
        headline += f": {best.label}"
    rows = "\n".join(f"{'✓' if p.ok else '✗'} {p.name:<8}{p.ms:>9.1f} ms  {p.detail}" for p in result.phases)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=shorten(headline, HEADER_LIMIT), emoji=True)),
        _context(f"{icon} {_probe_hops(result)}   ·   {result.total_ms:.0f} ms"),
        _section(f"```{esc(rows)}```"),
        *(_section(f":information_source: {esc(note)}") for note in result.notes),
    ]
    if best:
        blocks.append(_section(f"*{esc(best.title)}*\n{esc(best.cause)}"))
        blocks.append(_section("*Fix*\n" + "\n".join(f"{n}. {esc(step)}" for n, step in enumerate(best.steps, 1))))
        blocks.append(_context(f"Why: {esc(best.why)}"))
        blocks.extend(_links(best))
    if result.service_state:
        blocks.append(_context(esc(result.service_state.summary())))
    return _message(f"{headline} ({result.total_ms:.0f} ms)", blocks)


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
    probes = [e for b in blocks if b.get("block_id") == FEEDBACK_BLOCK for e in b.get("elements", [])
              if e.get("action_id") == RUN_PROBE]  # fmt: skip
    if probes:
        kept.append({"type": "actions", "block_id": PROBE_BLOCK, "elements": probes})
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


def _render_unsure(d: Diagnosis, secrets: tuple[str, ...], probe: str | None, paste_ts: str) -> SlackMessage:
    lines = ["I could not find a known ModelArts prediction error in this message."]
    if d.candidates:
        lines.append("Closest matches:")
        lines.extend(
            f"• `{c.label}` {esc(c.title)} (confidence {c.confidence:.2f}: {esc(c.why)})" for c in d.candidates[:3]
        )
    blocks: list[Block] = [_section("\n".join(lines)), _context(ASK_BETTER), *_notices(d, secrets)]
    if probe:
        blocks.append(ActionsBlock(block_id=PROBE_BLOCK, elements=[_probe_button(paste_ts)]))
    return _message(lines[0], blocks)


def _notices(d: Diagnosis, secrets: tuple[str, ...]) -> list[Block]:
    notes = []
    if d.evidence.truncated:
        notes.append(":scissors: The paste was long; I read its first 200,000 characters.")
    if secrets:
        notes.append(f":lock: I masked credentials in your paste ({', '.join(secrets)}).")
    return [_context(n) for n in notes]


def _feedback(probe: str | None, paste_ts: str) -> ActionsBlock:
    value = button_value(paste_ts)
    buttons = [
        ButtonElement(text=PlainTextObject(text=":+1: Helpful", emoji=True), action_id=HELPFUL, value=value),
        ButtonElement(text=PlainTextObject(text=":-1: Not helpful", emoji=True), action_id=UNHELPFUL, value=value),
    ]
    if probe:
        buttons.append(_probe_button(paste_ts))
    return ActionsBlock(block_id=FEEDBACK_BLOCK, elements=buttons)


def _probe_button(paste_ts: str) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=":satellite_antenna: Run live probe", emoji=True),
        action_id=RUN_PROBE,
        value=button_value(paste_ts),
    )


def _links(best: Candidate) -> list[Block]:
    if not best.playbook.links:
        return []
    links = " · ".join(f"<{url}|{esc(title)}>" for title, url in best.playbook.links[:5])
    return [_context(f":book: {links}")]


def _cases(best: Candidate) -> str:
    """One line per variant: its statuses, its message, its title."""
    lines = []
    for v in best.playbook.variants[:12]:
        status = "/".join(map(str, v.http_status)) or "any status"
        message = f" `{esc(v.messages[0][:80])}`" if v.messages else ""
        lines.append(f"• {status}{message}: {esc(v.title)}")
    return "\n".join(lines)


def _probe_hops(result: ProbeResult) -> str:
    verdict = Verdict(result.verdict) if result.verdict else Verdict.OK
    route = result.route or Route.CLASSIC
    if verdict is Verdict.OK:
        return " → ".join(hop.hop for hop in route.hops)
    return _hops(verdict.layer.route or route, verdict.layer)


def _hops(route: Route, failed: Layer) -> str:
    marked = [f"*{hop.hop}* :x:" if hop is failed else hop.hop for hop in route.hops]
    return f"{failed.display}:  " + " → ".join(marked)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=shorten(text, SECTION_LIMIT, one_line=False)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=shorten(text, CONTEXT_LIMIT, one_line=False))])


def _message(text: str, blocks: list[Block]) -> SlackMessage:
    dicts = [b.to_dict() for b in blocks[:MAX_BLOCKS]]  # to_dict() validates every Block Kit limit
    return SlackMessage(text=shorten(text, FALLBACK_LIMIT, one_line=False), blocks=dicts)
