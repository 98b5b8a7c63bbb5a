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
from bot.guide import Guide
from bot.probe.result import ProbeResult
from bot.redact import mask
from bot.render.help import help_lines
from bot.render.words import url_facts, word
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
    SHOW_STEPS,
    UNHELPFUL,
    VOTES_BLOCK,
    button_value,
)
from bot.triage import Outcome, Triage
from bot.vocabulary import Layer, Route, Verdict, shorten

FIRST_STEPS = 3
ALL_STEPS_UP_TO = 5
"""A fix of up to ``ALL_STEPS_UP_TO`` steps is shown whole; a longer one shows its first ``FIRST_STEPS`` and the
rest is one click away ("All N steps")."""


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update take: a fallback text and the blocks."""

    text: str
    blocks: list[dict]


def render_triage(t: Triage, paste_ts: str) -> SlackMessage:
    """The reply a triaged paste gets, in the poster's language; every button carries ``paste_ts`` (see ``protocol``)."""
    if t.outcome is Outcome.AUTO_PROBE:
        return render_probing(t.service.name)
    if t.outcome is Outcome.RECOGNISED_URL:
        return render_recognised_url(t.url, t.service.name if t.service else None, t.probe, paste_ts)
    if t.outcome is Outcome.HELP:
        return render_help(t.guide, t.lang)
    return render_answer(t.diagnosis, secrets=t.secrets, probe=t.probe, paste_ts=paste_ts)


def render_answer(
    d: Diagnosis, *, paste_ts: str, secrets: tuple[str, ...] = (), probe: str | None = None
) -> SlackMessage:
    """The reply to a paste: the diagnosis, or (when asked directly) the closest candidates.

    The first screen holds the cause and the fix; of a long fix, its first steps, the rest one click away.
    ``probe`` names what a "Run live probe" button would probe (a registered service or an allowed URL).
    """
    if not d.matched:
        return _render_unsure(d, secrets, probe, paste_ts)
    best, lang = d.best, d.evidence.lang
    title, cause, steps = best.localised(lang)
    shown = steps if len(steps) <= ALL_STEPS_UP_TO else steps[:FIRST_STEPS]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=shorten(f"{best.label} · {title}", HEADER_LIMIT), emoji=True)),
        _context(f"{_hops(d.route, best.layer)}   ·   {word('confidence', lang)} {best.confidence:.2f}"),
        _section(f"*{word('cause', lang)}*\n{esc(cause)}"),
        _section(f"*{word('fix', lang)}*\n{_steps(shown)}"),
    ]
    if best.variant is None and best.playbook.variants:
        blocks.append(_section(f"*{word('which', lang)}*\n" + _cases(best, lang)))
    blocks.append(_context(f"{word('why', lang)}: {esc(best.why)}"))
    blocks.extend(_links(best))
    if d.others:
        others = ", ".join(f"`{c.label}` {esc(c.localised(lang)[0])}" for c in d.others[:8])
        blocks.append(_context(f"{word('also', lang)}: {others}"))
    blocks.extend(_notices(d, secrets))
    blocks.append(_feedback(probe, paste_ts, lang, hidden=len(steps) - len(shown)))
    text = f"{best.label} ({best.layer.display}): {title}. {cause}"
    return _message(text, blocks)


def render_steps(d_best: Candidate, lang: str) -> SlackMessage:
    """Every step of an answer's fix (what "All N steps" shows the person who clicked it)."""
    title, _, steps = d_best.localised(lang)
    text = f"{d_best.label} · {title}"
    return _message(text, [_section(f"*{esc(text)}*\n{_steps(steps)}")])


def render_help(guide: Guide, lang: str) -> SlackMessage:
    """The help: what to paste, an example, the commands, what can be probed and by whom."""
    lines = help_lines(guide, lang)
    return _message(lines[0].replace("*", ""), [_section(line) for line in lines])


def render_recognised_url(url: PredictionUrl, service: str | None, probe: str | None, paste_ts: str) -> SlackMessage:
    """The reply to a paste that carries a prediction URL and no error."""
    text, facts = url_facts(url)
    shown = [f"*{label}* `{esc(value)}`" for label, value in facts]
    shown.append(f"*Registered as* `{service}`" if service else "_Not a registered service_")
    blocks: list[Block] = [_section(f"{text}\n" + "\n".join(shown))]
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


def render_edited_away(lang: str = "en") -> SlackMessage:
    """What an answer becomes when its paste is edited into something with no known error."""
    text = word("edited_away", lang)
    return _message(text, [_section(f"_{text}_")])


def render_votes(blocks: list[dict], up: int, down: int, lang: str) -> list[dict]:
    """The answer's blocks with the vote counts under its buttons (the buttons stay, for everyone else)."""
    kept = [b for b in blocks if b.get("block_id") != VOTES_BLOCK]
    counts = ContextBlock(
        block_id=VOTES_BLOCK, elements=[MarkdownTextObject(text=word("votes", lang, up=up, down=down))]
    )
    at = next((i + 1 for i, b in enumerate(kept) if b.get("block_id") == FEEDBACK_BLOCK), len(kept))
    return [*kept[:at], counts.to_dict(), *kept[at:]]


def render_thanks(helpful: bool, lang: str) -> str:
    """What only the voter sees after voting."""
    return word("thanks_up" if helpful else "thanks_down", lang)


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
    lang = d.evidence.lang
    lines = [word("unsure", lang)]
    if d.candidates:
        lines.append(word("closest", lang))
        lines.extend(
            f"• `{c.label}` {esc(c.localised(lang)[0])} ({word('confidence', lang)} {c.confidence:.2f}: {esc(c.why)})"
            for c in d.candidates[:3]
        )
    blocks: list[Block] = [_section("\n".join(lines)), _context(word("ask_better", lang)), *_notices(d, secrets)]
    if probe:
        blocks.append(ActionsBlock(block_id=PROBE_BLOCK, elements=[_probe_button(paste_ts, lang)]))
    return _message(lines[0], blocks)


def _notices(d: Diagnosis, secrets: tuple[str, ...]) -> list[Block]:
    lang = d.evidence.lang
    notes = []
    if d.evidence.truncated:
        notes.append(word("truncated", lang))
    if secrets:
        notes.append(word("masked", lang, kinds=", ".join(secrets)))
    return [_context(n) for n in notes]


def _feedback(probe: str | None, paste_ts: str, lang: str, hidden: int = 0) -> ActionsBlock:
    value = button_value(paste_ts)
    buttons = [
        ButtonElement(text=PlainTextObject(text=word("helpful", lang), emoji=True), action_id=HELPFUL, value=value),
        ButtonElement(text=PlainTextObject(text=word("unhelpful", lang), emoji=True), action_id=UNHELPFUL, value=value),
    ]
    if hidden > 0:
        label = word("more_steps", lang, n=hidden + FIRST_STEPS)
        buttons.append(ButtonElement(text=PlainTextObject(text=label, emoji=True), action_id=SHOW_STEPS, value=value))
    if probe:
        buttons.append(_probe_button(paste_ts, lang))
    return ActionsBlock(block_id=FEEDBACK_BLOCK, elements=buttons)


def _probe_button(paste_ts: str, lang: str = "en") -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=word("run_probe", lang), emoji=True),
        action_id=RUN_PROBE,
        value=button_value(paste_ts),
    )


def _steps(steps: tuple[str, ...]) -> str:
    return "\n".join(f"{n}. {esc(step)}" for n, step in enumerate(steps, 1))


def _links(best: Candidate) -> list[Block]:
    if not best.playbook.links:
        return []
    links = " · ".join(f"<{url}|{esc(title)}>" for title, url in best.playbook.links[:5])
    return [_context(f":book: {links}")]


def _cases(best: Candidate, lang: str) -> str:
    """One line per variant: its statuses, its message, its title."""
    lines = []
    for v in best.playbook.variants[:12]:
        status = "/".join(map(str, v.http_status)) or word("any_status", lang)
        message = f" `{esc(v.messages[0][:80])}`" if v.messages else ""
        lines.append(f"• {status}{message}: {esc((v.title_zh if lang == 'zh' else None) or v.title)}")
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


def render_home(guide: Guide, answers: int, votes: int, helpful_rate: float | None, top: list[tuple[str, int]]) -> dict:
    """The App Home tab: what the bot does and how to use it, what can be probed, and this workspace's figures."""
    rate = f"{helpful_rate:.0%}" if helpful_rate is not None else "no votes yet"
    common = ", ".join(f"`{code}` ({count})" for code, count in top[:5]) or "none yet"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="ModelArts prediction triage", emoji=True)),
        *(_section(line) for line in help_lines(guide, "en")),
        _section(
            f"*This workspace*\nAnswers given: *{answers}*   ·   votes: *{votes}*   ·   helpful: *{rate}*\n"
            f"Most common: {common}"
        ),
        _context("中文：在频道里贴出失败的预测（错误体、curl 输出、traceback 或预测地址），我会在线程里用中文回答。"),
    ]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}
