"""Decides which playbook (and which of its variants) answers a paste, how sure it is, and why.

Order of evidence, strongest first: an error code (exact playbook, else its family), then the
variant by HTTP status, message and symptoms; without a code, known messages found fuzzily;
then symptoms (exception names, log lines) of code-less playbooks. Texts that other systems
print too only count when the paste is visibly about ModelArts.
"""

from __future__ import annotations

from dataclasses import replace

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from bot.extract import CodeHit, Evidence, extract
from bot.findings import Candidate, Diagnosis
from bot.knowledge import KnowledgeBase
from bot.message_index import PasteView
from bot.playbook import Playbook, Variant

CODE_STRICT = 0.9
CODE_LOOSE = 0.84
FAMILY = 0.72
SYMPTOM = 0.8
VARIANT_MIN = 60.0
VARIANT_MARGIN = 5.0
FALLBACK_SCAN = 20_000
LAST_HITS = 10
SECONDARY = 0.8
"""Weight of a code-less match when the paste also carries codes: it can only be an 'other'."""


class Matcher:
    """Diagnoses pastes against one knowledge base."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb

    def diagnose(self, paste: str | bytes, assume_context: bool = False) -> Diagnosis:
        """Diagnose a paste; ``assume_context`` when the caller knows it is about ModelArts (a probe's answer)."""
        ev = extract(paste)
        if assume_context:
            ev = replace(ev, context=True, foreign=False)
        found: dict[str, Candidate] = {}
        for candidate in self._by_code(ev):
            _keep(found, candidate)
        view = PasteView(ev.text)
        coded = list(found.values())
        for candidate in self._by_message(ev, view, coded):
            _keep(found, candidate, only_new=True)
        for candidate in self._by_symptom(ev, coded):
            _keep(found, candidate, only_new=True)
        ranked = sorted(found.values(), key=lambda c: c.confidence + (0.03 if c.in_body else 0.0), reverse=True)
        return Diagnosis(ev, tuple(ranked))

    # -- codes -------------------------------------------------------------------------------

    def _by_code(self, ev: Evidence):
        groups: dict[str, list[CodeHit]] = {}
        for hit in ev.codes:
            groups.setdefault(hit.code, []).append(hit)
        for code, hits in groups.items():
            playbook = self.kb.get(code)
            family = False
            if playbook is None:
                if not any(h.strict for h in hits):
                    continue  # "mr 1234" may be a merge request; only a well-formed code earns a family
                playbook, family = self.kb.family(code), True
                if playbook is None:
                    continue
            yield self._code_candidate(playbook, code, hits, ev, family)

    def _code_candidate(self, playbook: Playbook, code: str, hits: list[CodeHit], ev: Evidence, family: bool):
        strict = any(h.strict for h in hits)
        confidence = FAMILY if family else (CODE_STRICT if strict else CODE_LOOSE)
        reasons = [f"code {code}" + ("" if not family else f" (no playbook of its own: {playbook.code})")]
        variant, status, phrase, symptom = self._variant(playbook, hits, ev)
        statuses = (variant.http_status if variant else ()) or playbook.http_status
        if status is not None and status in statuses:
            confidence += 0.04
            reasons.append(f"status {status}")
        if phrase is None and not variant:
            phrase = _best_phrase(playbook.messages, hits)
        if phrase:
            confidence += 0.04
            reasons.append(f"'{_short(phrase)}'")
        if symptom and symptom != str(status) and not (phrase and symptom.lower() in phrase.lower()):
            reasons.append(f"symptom '{_short(symptom)}'")
        return Candidate(
            playbook=playbook,
            variant=variant,
            code=code,
            confidence=round(min(confidence, 0.99), 2),
            why=" + ".join(reasons),
            in_body=any(h.in_body for h in hits),
        )

    def _variant(self, playbook: Playbook, hits: list[CodeHit], ev: Evidence):
        """Pick the variant: the latest hit that decides one wins; else the whole paste decides."""
        status = next((h.status for h in reversed(hits) if h.status is not None), None)
        if status is None and ev.statuses:
            status = ev.statuses[0]
        if not playbook.variants:
            return None, status, None, None
        for hit in reversed(hits[-LAST_HITS:]):
            text = hit.message or hit.line
            picked = _decide(playbook.variants, text, hit.message is not None, hit.status or status, ev.text)
            if picked:
                return picked[0], hit.status or status, picked[1], picked[2]
        picked = _decide(playbook.variants, ev.text[:FALLBACK_SCAN], False, status, ev.text)
        if picked:
            return picked[0], status, picked[1], picked[2]
        return None, status, None, None

    # -- messages and symptoms ----------------------------------------------------------------

    def _by_message(self, ev: Evidence, view: PasteView, coded: list[Candidate]):
        for hit in self.kb.messages.find(view):
            playbook, variant = hit.payload.playbook, hit.payload.variant
            if not ev.context and (hit.generic or playbook.needs_context or ev.foreign):
                continue
            if any(_explains(c.playbook, hit.message) for c in coded) or any(
                h.raw.lower() in hit.window for h in ev.codes
            ):
                continue  # the text stands beside a code, or is that code's own text: the code decides
            confidence = 0.55 + 0.4 * (hit.score - 80) / 20 - (0.0 if ev.context else 0.05)
            if coded:
                confidence *= SECONDARY
            yield Candidate(
                playbook=playbook,
                variant=variant,
                code=None,
                confidence=round(confidence, 2),
                why=f"message '{_short(hit.message)}' (similarity {hit.score:.0f}%)",
            )

    def _by_symptom(self, ev: Evidence, coded: list[Candidate]):
        if not ev.context or any(h.strict for h in ev.codes):
            return  # symptoms speak for pastes without a well-formed code; with one, the code decides
        for playbook in self.kb.with_symptoms:
            variant = None
            found = _first_symptom(playbook.symptoms, ev.text)
            if found is None:
                for v in playbook.variants:
                    found = _first_symptom(v.symptoms, ev.text)
                    if found:
                        variant = v
                        break
            if found is None or any(found in h.line for h in ev.codes):
                continue  # a symptom inside a coded error line is that error's wording, not a second error
            confidence = SYMPTOM * (SECONDARY if coded else 1.0)
            yield Candidate(
                playbook, variant, None, round(confidence, 2), f"symptom '{_short(found)}' + ModelArts context"
            )


def _decide(variants: tuple[Variant, ...], text: str, exact: bool, status: int | None, full: str):
    """Score every variant against one piece of text; return (variant, phrase, symptom) or None."""
    scored = []
    processed = default_process(text)
    for v in variants:
        score, phrase = 0.0, None
        for m in v.messages:
            pm = default_process(m)
            s = fuzz.partial_ratio(pm, processed)
            if exact:
                s = (s + fuzz.ratio(pm, processed)) / 2
            if s > score:
                score, phrase = s, m
        if score < 70:
            score, phrase = 0.0, None
        if status is not None and v.http_status:
            if status not in v.http_status:
                score -= 15
            elif sum(status in other.http_status for other in variants) == 1:
                score += 60  # the status alone tells this variant apart
            else:
                score += 20
        symptom = _first_symptom(v.symptoms, full)
        if symptom:
            score += 60  # an author-written sign of this very cause
        scored.append((score, v, phrase, symptom))
    scored.sort(key=lambda s: s[0], reverse=True)
    best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best[0] >= VARIANT_MIN and best[0] - runner_up >= VARIANT_MARGIN:
        return best[1], best[2], best[3]
    return None


def _best_phrase(messages: tuple[str, ...], hits: list[CodeHit]) -> str | None:
    for hit in hits:
        text = default_process(hit.message or hit.line)
        for m in messages:
            if fuzz.partial_ratio(default_process(m), text) >= 85:
                return m
    return None


def _explains(playbook: Playbook, message: str) -> bool:
    """Does ``playbook`` (or one of its variants) return this same message?"""
    target = default_process(message)
    texts = playbook.messages + tuple(m for v in playbook.variants for m in v.messages)
    return any(fuzz.ratio(default_process(m), target) >= 90 for m in texts)


def _first_symptom(symptoms, text: str) -> str | None:
    for symptom in symptoms:
        m = symptom.pattern.search(text)
        if m:
            return m.group(0)
    return None


def _keep(found: dict[str, Candidate], candidate: Candidate, only_new: bool = False) -> None:
    key = candidate.playbook.code
    current = found.get(key)
    if current is None or (not only_new and candidate.confidence > current.confidence):
        found[key] = candidate


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
