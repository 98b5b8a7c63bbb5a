"""Diagnosis as plain text for a terminal: the console mode and ``diagnose`` without flags."""

from __future__ import annotations

import textwrap

from bot.findings import Diagnosis
from bot.probe.result import ProbeResult
from bot.triage import Outcome, Triage
from bot.vocabulary import Layer, Route, Verdict

ASK_BETTER = (
    "Paste the whole response: the HTTP status line and the JSON body (`error_code`, `error_msg`), "
    "the full traceback, or the prediction URL you call."
)
"""What to paste instead, when nothing matched well, in every rendering."""


def render_triage_text(t: Triage, width: int = 100) -> str:
    """What the bot would answer, as text: the diagnosis, or what it recognised in a bare prediction URL."""
    if t.outcome in (Outcome.RECOGNISED_URL, Outcome.AUTO_PROBE):
        out = [_recognised(t)]
    else:
        out = [render_text(t.diagnosis, width)]
    if t.secrets:
        out.append(f"(credentials masked: {', '.join(t.secrets)}; delete the original message and rotate them)\n")
    return "".join(out)


def _recognised(t: Triage) -> str:
    url = t.url
    kind = "a ModelArts console link to a service" if url.console else "a ModelArts prediction URL"
    out = [f"That looks like {kind}.", f"  host: {url.host}"]
    if url.region:
        out.append(f"  region: {url.region}")
    if url.service_id:
        out.append(f"  service id: {url.service_id} ({url.api_version or 'v1'} inference)")
    if url.custom_path:
        out.append(f"  custom path: {url.custom_path}")
    out.append(f"  registered as: {t.service.name}" if t.service else "  not a registered service")
    if t.probe:
        out.append(f"Probe it now: /predict-check {t.probe}")
    return "\n".join(out) + "\n"


def render_text(d: Diagnosis, width: int = 100) -> str:
    best = d.best
    if best is None:
        return "No known ModelArts prediction error found.\n" + ASK_BETTER + "\n"
    out = []
    if not d.matched:
        out.append("Not sure this is a ModelArts prediction error. Closest match:")
    head = best.code or best.playbook.code
    title_zh, cause_zh = best.zh()
    zh = d.evidence.lang == "zh"
    title = f"{best.title} ({title_zh})" if zh and title_zh else best.title
    out.append(f"{head} · {best.layer.display} · {title}")
    out.append(f"path: {hop_path(d.route, best.layer)}")
    out.append(f"confidence {best.confidence:.2f} - {best.why}")
    out.append("")
    out.append(_wrap("Cause: " + best.cause, width))
    if zh and cause_zh:
        out.append(_wrap("原因: " + cause_zh, width))
    out.append("Fix:")
    for n, step in enumerate(best.steps, 1):
        out.append(_wrap(f"{n}. {step}", width, indent="   "))
    if best.variant is None and best.playbook.variants:
        out.append("Which one is it? The status and message tell the cases apart:")
        for v in best.playbook.variants:
            message = f" '{v.messages[0]}'" if v.messages else ""
            out.append(f"  - {'/'.join(map(str, v.http_status)) or 'any status'}{message}: {v.title}")
    if best.playbook.links:
        out.append("Links:")
        out.extend(f"  - {title}: {url}" for title, url in best.playbook.links)
    if d.others:
        out.append("Also in this paste: " + ", ".join(f"{c.playbook.code} ({c.title})" for c in d.others))
    if d.evidence.truncated:
        out.append("(the paste was long; only its beginning was read)")
    if not d.matched:
        out.append(ASK_BETTER)
    return "\n".join(out) + "\n"


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
