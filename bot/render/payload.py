"""Diagnosis as a JSON-ready dict: the contract of ``diagnose --json`` and ``--jsonl``."""

from __future__ import annotations

from dataclasses import asdict

from bot.findings import Diagnosis
from bot.probe.result import ProbeResult
from bot.triage import Triage


def diagnosis_dict(d: Diagnosis, case_id=None) -> dict:
    """The fields other tools build on: keep their names."""
    best = d.best
    ev = d.evidence
    return {
        "id": case_id,
        "matched": d.matched,
        "playbook": best.playbook.code if best else None,
        "code": best.code if best else None,
        "variant": best.variant.id if best and best.variant else None,
        "layer": best.layer.value if best else None,
        "route": d.route.value,
        "confidence": best.confidence if best else 0.0,
        "why": best.why if best else "no error code, known message or symptom found",
        "title": best.title if best else None,
        "cause": best.cause if best else None,
        "steps": list(best.steps) if best else [],
        "others": [c.playbook.code for c in d.others],
        "links": [{"title": t, "url": u} for t, u in best.playbook.links] if best else [],
        "lang": ev.lang,
        "request_ids": list(ev.request_ids),
        "urls": [asdict(u) for u in ev.urls],
        "truncated": ev.truncated,
    }


def triage_dict(t: Triage, case_id=None) -> dict:
    """``diagnosis_dict`` of the triaged paste, with what the bot would do (``outcome``) and what it masked."""
    return {**diagnosis_dict(t.diagnosis, case_id), "outcome": t.outcome.value, "masked": list(t.secrets)}


def probe_dict(result: ProbeResult) -> dict:
    """The contract of ``probe --json``."""
    state = result.service_state
    return {
        "target": result.target,
        "verdict": result.verdict,
        "status": result.status,
        "code": result.code,
        "playbook": result.playbook,
        "variant": result.variant,
        "total_ms": result.total_ms,
        "phases": [asdict(p) for p in result.phases],
        "refused": result.refused,
        "why": result.best.why if result.best else None,
        "service_state": state.summary() if state else None,
        "notes": list(result.notes),
    }
