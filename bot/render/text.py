"""Diagnosis as plain text for a terminal: the console mode and ``diagnose`` without flags, in the poster's language."""

from __future__ import annotations

import textwrap

from bot.findings import Diagnosis
from bot.guide import Guide
from bot.probe.result import ProbeResult
from bot.render.help import help_lines
from bot.render.words import url_facts, word
from bot.triage import Outcome, Triage
from bot.vocabulary import Layer, Route, Verdict


def render_triage_text(t: Triage, width: int = 100) -> str:
    """What the bot would answer, as text: the diagnosis, what it recognised in a bare prediction URL, or help."""
    if t.outcome is Outcome.HELP:
        out = [render_help_text(t.guide, t.lang)]
    elif t.outcome in (Outcome.RECOGNISED_URL, Outcome.AUTO_PROBE):
        out = [_recognised(t)]
    else:
        out = [render_text(t.diagnosis, width)]
    if t.secrets:
        out.append(f"(credentials masked: {', '.join(t.secrets)}; delete the original message and rotate them)\n")
    return "".join(out)


def _recognised(t: Triage) -> str:
    headline, facts = url_facts(t.url)
    out = [headline, *(f"  {label.lower()}: {value}" for label, value in facts)]
    out.append(f"  registered as: {t.service.name}" if t.service else "  not a registered service")
    if t.probe:
        out.append(f"Probe it now: /predict-check {t.probe}")
    return "\n".join(out) + "\n"


def render_text(d: Diagnosis, width: int = 100) -> str:
    """A diagnosis as text, in the poster's language."""
    best, lang = d.best, d.evidence.lang
    if best is None:
        return word("unsure_text", lang) + "\n" + word("ask_better", lang) + "\n"
    out = []
    if not d.matched:
        out.append(word("not_sure", lang))
    title, cause, steps = best.localised(lang)
    out.append(f"{best.code or best.playbook.code} · {best.layer.display} · {title}")
    out.append(f"{word('path', lang)}: {hop_path(d.route, best.layer)}")
    out.append(f"{word('confidence', lang)} {best.confidence:.2f} - {best.why}")
    out.append("")
    out.append(_wrap(f"{word('cause', lang)}: {cause}", width))
    out.append(f"{word('fix', lang)}:")
    for n, step in enumerate(steps, 1):
        out.append(_wrap(f"{n}. {step}", width, indent="   "))
    if best.variant is None and best.playbook.variants:
        out.append(word("which", lang))
        for v in best.playbook.variants:
            message = f" '{v.messages[0]}'" if v.messages else ""
            statuses = "/".join(map(str, v.http_status)) or word("any_status", lang)
            out.append(f"  - {statuses}{message}: {(v.title_zh if lang == 'zh' else None) or v.title}")
    if best.playbook.links:
        out.append(f"{word('links', lang)}:")
        out.extend(f"  - {title}: {url}" for title, url in best.playbook.links)
    if d.others:
        out.append(
            f"{word('also', lang)}: " + ", ".join(f"{c.playbook.code} ({c.localised(lang)[0]})" for c in d.others)
        )
    if d.evidence.truncated:
        out.append(word("truncated", lang).removeprefix(":scissors: "))
    if not d.matched:
        out.append(word("ask_better", lang))
    return "\n".join(out) + "\n"


def render_help_text(guide: Guide, lang: str) -> str:
    """The help, as text."""
    return "\n".join(help_lines(guide, lang, markup=False)) + "\n"


def _wrap(text: str, width: int, indent: str = "  ") -> str:
    return textwrap.fill(text, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def hop_path(route: Route, failed: Layer | None) -> str:
    """``client → [MaaS gateway] → engine``: the route's hops, the failed one in brackets."""
    return " → ".join(f"[{hop.hop}]" if hop is failed else hop.hop for hop in route.hops)


def render_probe_text(result: ProbeResult, width: int = 100) -> str:
    if result.refused:
        return (f"Not probed: {result.target}\n" if result.target else "") + f"{result.refused}\n"
    out = [f"probe {result.target}: {Verdict(result.verdict).text} ({result.total_ms:.0f} ms)"]
    for phase in result.phases:
        mark = "ok " if phase.ok else "FAIL"
        out.append(f"  {mark} {phase.name:<8} {phase.ms:8.1f} ms  {phase.detail}")
    out.extend(_wrap("Note: " + note, width) for note in result.notes)
    best = result.best
    if best and result.verdict != "ok":
        out.append("")
        out.append(f"{best.code or best.playbook.code} · {best.title}")
        out.append(_wrap("Cause: " + best.cause, width))
        out.append("Fix:")
        out.extend(_wrap(f"{n}. {step}", width, indent="   ") for n, step in enumerate(best.steps, 1))
    if result.service_state:
        out.append(_wrap("Control plane: " + result.service_state.summary(), width))
    return "\n".join(out) + "\n"
