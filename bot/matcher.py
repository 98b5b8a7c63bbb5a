"""Decides which playbook (and which of its variants) answers a paste, how sure it is, and why.

Order of evidence, strongest first: an error code (exact playbook; else, for a mistyped code, the
one playbook a digit edit away; else, for a well-formed one, its family), then the variant by
HTTP status, message, symptoms and the route the paste came by; without a code, known messages
found fuzzily; then symptoms (exception names, log lines) of code-less playbooks. Texts that other
systems print too only count when the paste is visibly about ModelArts. Every weight is in
``Scoring``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from http import HTTPStatus

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from bot.description_index import DescriptionHit
from bot.extract import LOG_STAMP, CodeHit, Evidence, OtherSystems, extract, told
from bot.findings import Candidate, Diagnosis
from bot.knowledge import Entry, KnowledgeBase, quotable
from bot.message_index import MessageHit, PasteView
from bot.message_index import words as informative
from bot.playbook import Playbook, Variant
from bot.scoring import DEFAULT, Scoring
from bot.vocabulary import Layer, Route, Surface, distinctive, shorten

_PHRASED = frozenset(s.value for s in HTTPStatus)
_REASON_PHRASES = frozenset(" ".join(re.findall(r"[a-z0-9]+", s.phrase.lower())) for s in HTTPStatus)
"""HTTP's own reason phrases: after a status number they are the status line, not an error message."""


class _Timeline:
    """The paste's codes in order: which stand in error bodies, and which of the errors printed (in a body, or as a
    log line prints one, with its status) came last; where none is printed, which of those reported in prose."""

    def __init__(self, groups: dict[str, list[CodeHit]], context: bool):
        self.context = context
        self.bodies = {code for code, hits in groups.items() if any(h.in_body for h in hits)}
        shown = _printed if any(_printed(h) for hits in groups.values() for h in hits) else _standing
        live = {  # newest first: least quoted (a mail reply's own text), then latest in the paste
            code: max((-h.depth, h.start) for h in hits if shown(h) and not h.resolved)
            for code, hits in groups.items()
            if any(shown(h) and not h.resolved for h in hits)
        }
        self.errors = len(live)
        self.latest = max(live, key=live.get) if len(live) > 1 else None


def _printed(hit: CodeHit) -> bool:
    """Does the code stand as a server or a log printed it: in an error body, or standing with its status?"""
    return hit.in_body or (hit.stands and hit.status is not None)


def _standing(hit: CodeHit) -> bool:
    """Does the code stand as an error or a report, in prose ("first it was APIG.0301 … now every call returns
    ModelArts.4503")? Where nothing is printed, the latest of these is the current error."""
    return hit.stands


@dataclass(frozen=True)
class _Pick:
    """A variant chosen for a code, with what decided it."""

    variant: Variant
    phrase: str | None
    symptom: str | None


class Matcher:
    """Diagnoses pastes against one knowledge base."""

    def __init__(self, kb: KnowledgeBase, scoring: Scoring = DEFAULT):
        self.kb = kb
        self.scoring = scoring

    def diagnose(self, paste: str | bytes, assume_context: bool = False) -> Diagnosis:
        """Diagnose a paste; ``assume_context`` when the caller knows it is about ModelArts (a probe's answer)."""
        ev = extract(paste, says=self._says)
        ev = replace(ev, signs=self.kb.signs.found(ev.text))
        if assume_context:
            ev = replace(ev, context=True, foreign=False)
        found: dict[str, Candidate] = {}
        for candidate in self._by_code(ev):
            _keep(found, candidate)
        view, others = PasteView(ev.text), OtherSystems.of(ev.text)
        coded = list(found.values())
        said: list[tuple[Candidate, str]] = list(self._by_message(ev, view, coded, others))
        for candidate, _ in said:
            _keep(found, candidate, only_new=True)
        for candidate in self._by_symptom(ev, coded, said, others):
            _keep(found, candidate, only_new=True)
        if not any(c.confidence >= self.scoring.answer_threshold for c in found.values()):
            for candidate in self._by_description(ev):
                _keep(found, self._agreed(found.get(candidate.playbook.code), candidate))
        ranked = sorted(found.values(), key=lambda c: self._rank(c, ev), reverse=True)
        return Diagnosis(ev, tuple(ranked), self.scoring.answer_threshold)

    def _rank(self, candidate: Candidate, ev: Evidence) -> float:
        """Confidence, with tie-breaks: an error body over prose, a hop of the route the paste shows."""
        s = self.scoring
        bonus = s.in_body_tiebreak if candidate.in_body else 0.0
        return candidate.confidence + bonus + (s.route_tiebreak if candidate.layer.route is ev.route else 0.0)

    # -- codes -------------------------------------------------------------------------------

    def _by_code(self, ev: Evidence):
        groups: dict[str, list[CodeHit]] = {}
        for hit in ev.codes:
            groups.setdefault(hit.code, []).append(hit)
        timeline = _Timeline(groups, ev.context)
        for code, hits in groups.items():
            strict = any(h.strict for h in hits)
            playbook, how = self.kb.get(code), "exact"
            if playbook is None and not strict:
                playbook, how = self._nearest(code, hits), "nearest"  # "ModelArts.810006" meant 81006
            elif playbook is None:
                playbook, how = self._meant(code, hits), "nearest"  # "ModelArts.4320 Gateway forwarding error"
                if playbook is None:
                    playbook, how = self.kb.family(code), "family"
            if playbook is not None:  # "mr 1234" may be a merge request: a loose code earns no family
                candidate = self._code_candidate(playbook, code, hits, ev, how)
                yield self._placed(candidate, code, hits, timeline)

    def _nearest(self, code: str, hits: list[CodeHit]) -> Playbook | None:
        """The playbook a mistyped code meant: the only one a digit away, or the one whose message is there."""
        close = self.kb.nearest(code)
        if len(close) <= 1:
            return close[0] if close else None
        return self._the_one_said(close, hits)

    def _meant(self, code: str, hits: list[CodeHit]) -> Playbook | None:
        """For a well-formed code with no playbook, typed by a person (in prose, not in the body a server sent): the
        playbook a digit away whose own message stands beside it (two digits swapped); else None, and the code's
        family answers."""
        if any(h.in_body for h in hits):
            return None
        return self._the_one_said(self.kb.nearest(code), hits)

    def _says(self, code: str, words: str, described: bool) -> bool | None:
        """Whether ``words`` say what ``code``'s playbook says: its own message, whole or by a clause, a sign its
        author wrote, the reason phrase of its status, or (``described``) a description that fits it best of all
        (a bare ``81108`` before "Task does not exist", ``81111 Too many requests``, is that code)."""
        playbook = self.kb.get(code)
        if playbook is None:
            return None
        text = default_process(words)
        kinds = (playbook, *playbook.variants)
        if any(sign.pattern.search(words) for kind in kinds for sign in kind.symptoms):
            return True
        phrases = [part for kind in kinds for m in kind.messages for part in quotable(m)]
        phrases += [HTTPStatus(n).phrase for kind in kinds for n in kind.http_status if n in _PHRASED]
        if any(fuzz.partial_ratio(default_process(part), text) >= self.scoring.phrase_ratio for part in phrases):
            return True
        if not described:
            return False
        best = self.kb.descriptions.search(words.replace(code.rpartition(".")[2], " "), limit=1)
        return bool(best) and best[0].payload.playbook is playbook and best[0].score >= self.scoring.bare_described

    def _the_one_said(self, playbooks: list[Playbook], hits: list[CodeHit]) -> Playbook | None:
        """The only one of ``playbooks`` whose own message (or a variant's) stands beside the code, else None."""
        said = [
            p
            for p in playbooks
            if self._best_phrase(p.messages + tuple(m for v in p.variants for m in v.messages), hits)
        ]
        return said[0] if len(said) == 1 else None

    def _placed(self, candidate: Candidate, code: str, hits: list[CodeHit], timeline: _Timeline) -> Candidate:
        """Weigh a code by where it stands among the paste's errors: the latest error body leads; a code only
        quoted in prose, or only under a resolved alert, is history."""
        s = self.scoring
        confidence, reasons = candidate.confidence, [candidate.why]
        if all(h.resolved for h in hits):
            confidence *= s.resolved
            reasons.append("in a resolved alert")
        elif timeline.latest == code:
            confidence += s.latest
            reasons.append(f"latest of {timeline.errors} errors")
        if timeline.bodies and code not in timeline.bodies:
            confidence *= s.quoted
            reasons.append("only quoted, not in an error body")
        if not (any(h.strict or h.in_body for h in hits) or timeline.context or distinctive(code)):
            confidence *= s.loose_alone
            reasons.append("written loosely, nothing else about ModelArts")
        if confidence == candidate.confidence:
            return candidate
        return replace(candidate, confidence=round(min(confidence, s.max_confidence), 2), why=" + ".join(reasons))

    def _code_candidate(self, playbook: Playbook, code: str, hits: list[CodeHit], ev: Evidence, how: str):
        s = self.scoring
        strict = any(h.strict for h in hits)
        confidence = {"family": s.family, "nearest": s.code_loose}.get(how, s.code_strict if strict else s.code_loose)
        reasons = [
            {
                "exact": f"code {code}",
                "nearest": f"code {playbook.code} (written {hits[-1].raw})",
                "family": f"code {code} (no playbook of its own: {playbook.code})",
            }[how]
        ]
        status, pick = self._variant(playbook, hits, ev)
        variant = pick.variant if pick else None
        statuses = (variant.http_status if variant else ()) or playbook.http_status
        if status is not None and status in statuses:
            confidence += s.status_agrees
            reasons.append(f"status {status}")
        phrase = pick.phrase if pick else self._best_phrase(playbook.messages, hits)
        if phrase:
            confidence += s.phrase_agrees
            reasons.append(f"'{shorten(phrase, 60)}'")
        symptom = pick.symptom if pick else _first_symptom(playbook.symptoms, ev)
        if symptom and symptom != str(status) and not (phrase and symptom.lower() in phrase.lower()):
            reasons.append(f"symptom '{shorten(symptom, 60)}'")
        if variant and variant.route is Route.MAAS and ev.route is Route.MAAS:
            reasons.append("MaaS route")
        if not ev.reported and (all(h.referenced for h in hits) or not (phrase or symptom)):
            confidence *= s.unreported
            reasons.append("only mentioned, nothing reported")
        return Candidate(
            playbook=playbook,
            variant=variant,
            code=playbook.code if how == "nearest" else code,
            confidence=round(min(confidence, s.max_confidence), 2),
            why=" + ".join(reasons),
            in_body=any(h.in_body for h in hits),
        )

    def _variant(self, playbook: Playbook, hits: list[CodeHit], ev: Evidence) -> tuple[int | None, _Pick | None]:
        """The status that applies, and the variant: the latest hit that decides one wins; else the whole paste."""
        status = next((h.status for h in reversed(hits) if h.status is not None), None)
        if status is None and ev.statuses:
            status = ev.statuses[0]
        if not playbook.variants:
            return status, None
        for hit in reversed(hits[-self.scoring.last_hits :]):
            text = hit.message or hit.line
            pick = self._decide(playbook.variants, text, hit.message is not None, hit.status or status, ev)
            if pick:
                return hit.status or status, pick
        return status, self._decide(playbook.variants, ev.text[: self.scoring.fallback_scan], False, status, ev)

    def _decide(self, variants: tuple[Variant, ...], text: str, exact: bool, status: int | None, ev: Evidence):
        """Score every variant that can apply against one piece of text; the clear winner, or None."""
        s = self.scoring
        processed = default_process(text)
        eligible = []
        for v in variants:
            points, phrase = self._message_points(v, processed, exact)
            symptom = _first_symptom(v.symptoms, ev)
            if _on_route(v, ev, own_words=bool(phrase or symptom)):  # not a cause of the other call path
                eligible.append((v, points, phrase, symptom))
        scored: list[tuple[float, _Pick]] = []
        for v, points, phrase, symptom in eligible:
            if status is not None and v.http_status:
                if status not in v.http_status:
                    points += s.status_mismatch
                elif sum(status in other[0].http_status for other in eligible) == 1:
                    points += s.status_unique
                else:
                    points += s.status_shared
            if symptom:
                points += s.symptom_points
            if v.route is Route.MAAS and ev.route is Route.MAAS:
                points += s.route_points  # the classic route is the default; only a MaaS paste singles a cause out
            scored.append((points, _Pick(v, phrase, symptom)))
        if not scored:
            return None
        scored.sort(key=lambda item: item[0], reverse=True)
        best = scored[0][0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        return scored[0][1] if best >= s.variant_min and best - runner_up >= s.variant_margin else None

    def _message_points(self, v: Variant, processed: str, exact: bool) -> tuple[float, str | None]:
        score, phrase = 0.0, None
        for m in v.messages:
            pm = default_process(m)
            points = fuzz.partial_ratio(pm, processed)
            if exact:
                points = (points + fuzz.ratio(pm, processed)) / 2
            if points > score:
                score, phrase = points, m
        return (score, phrase) if score >= self.scoring.variant_floor else (0.0, None)

    def _best_phrase(self, messages: tuple[str, ...], hits: list[CodeHit]) -> str | None:
        """The first of ``messages`` said beside one of the hits, whole or by a clause people quote of it."""
        for hit in hits:
            text = default_process(hit.message or hit.line)
            for m in messages:
                if any(
                    fuzz.partial_ratio(default_process(part), text) >= self.scoring.phrase_ratio for part in quotable(m)
                ):
                    return m
        return None

    # -- messages and symptoms ----------------------------------------------------------------

    def _by_message(self, ev: Evidence, view: PasteView, coded: list[Candidate], others: OtherSystems):
        """Known messages found in the paste, each with the line it was found on."""
        s = self.scoring
        hits = self.kb.messages.find(view, cover=s.index_cover, verify=s.index_verify)
        # best first; at equal similarity the longer text, a playbook's own first message, one that names a variant
        hits.sort(key=lambda h: (h.score, h.words, _first_message(h), h.payload.variant is not None), reverse=True)
        longer = [
            default_process(h.message) for h in hits if h.words > s.generic_words and h.payload.layer not in ev.cleared
        ]
        for hit in hits:
            playbook, variant = hit.payload.playbook, hit.payload.variant
            generic = hit.words <= s.generic_words
            quoted = hit.words >= s.quoted_words and self._quoted(hit.message, ev)
            if generic and not quoted and any(default_process(hit.message) in text for text in longer):
                continue  # "API does not exist" inside the longer message found beside it
            if not ev.context and (
                (generic and not quoted)
                or (hit.payload.fragment and not quoted and len(informative(hit.message)) < s.clause_words)
                or playbook.needs_context
                or ev.foreign
            ):
                continue
            if (generic or not ev.context) and not self._whole_message(hit.message, hit.window, ev):
                continue  # "Bad request." inside "BadRequestError: ... 400 BAD_REQUEST" is not that error
            if variant and not _on_route(variant, ev, own_words=True):
                continue
            if others.hold(hit.message.lower()):
                continue  # another system's error in a log
            if any(self._explains(c.playbook, hit.message) for c in coded) or any(
                h.raw.lower() in hit.window for h in ev.codes
            ):
                continue  # the text stands beside a code, or is that code's own text: the code decides
            confidence = s.message_base + s.message_span * (hit.score - s.index_verify) / (100 - s.index_verify)
            confidence -= 0.0 if ev.context else s.no_context_penalty
            confidence *= s.clause_alone if hit.payload.fragment and not (ev.context or quoted) else 1.0
            confidence *= s.cleared if hit.payload.layer in ev.cleared else 1.0
            if coded:
                confidence *= s.secondary
            why = f"message '{shorten(hit.message, 60)}' (similarity {hit.score:.0f}%)"
            yield Candidate(playbook, variant, None, round(confidence, 2), why), hit.window

    def _by_symptom(
        self, ev: Evidence, coded: list[Candidate], said: list[tuple[Candidate, str]], others: OtherSystems
    ):
        """Signs of code-less playbooks; a sign that is part of a known message found, or a status that message's
        error answers with, belongs to that message and is no second error."""
        if not ev.context or any(h.strict and not h.resolved for h in ev.codes):
            return  # symptoms speak for pastes without a live well-formed code; with one, the code decides
        strong = [(c, window) for c, window in said if c.confidence >= self.scoring.symptom]  # clearly that message
        windows = " ".join(window for _, window in strong)
        statuses = {s for candidate, _ in strong for s in candidate.playbook.http_status}
        described: list[DescriptionHit[Entry]] | None = None  # searched once, for the first bare status
        for playbook in self.kb.with_symptoms:
            variant, sign = None, _sign(playbook, ev) or _slow(playbook, ev)
            if sign and sign.startswith("HTTP ") and playbook.layer.route not in (None, ev.route):
                sign = None  # a bare status points to a playbook of the route the paste shows
            if sign is None:
                variant, sign = next(
                    (
                        (v, found)
                        for v in playbook.variants
                        if (found := _sign(v, ev)) and _on_route(v, ev, own_words=True)
                    ),
                    (None, None),
                )
            if sign is None or any(sign in h.line for h in ev.codes) or sign.lower() in windows:
                continue  # a symptom inside a coded error line is that error's wording, not a second error
            if not sign.startswith(_TOOK) and others.hold(sign[5:] if sign.startswith("HTTP ") else sign.lower()):
                continue  # another system's error in a log ("ldap sync: connection refused")
            status = sign.startswith("HTTP ")
            if status and (int(sign[5:]) in statuses or playbook.hop(variant) in ev.cleared):
                continue  # the status is that message's, or the paste says that hop did not answer
            s = self.scoring
            signed = playbook
            if status:
                if described is None:
                    described = self.kb.descriptions.search(ev.text, limit=12)
                playbook, variant = self._described_with(int(sign[5:]), playbook, variant, ev, described)
            weak = status or sign.startswith(_TOOK)  # a bare status or a duration: the weakest signs
            confidence = s.status_sign if weak else s.symptom + s.specificity * min(len(sign), 60) / 60
            confidence *= s.secondary if coded else 1.0
            why = f"{'status' if status else 'symptom'} '{shorten(sign, 60)}' + ModelArts context"
            if playbook is not signed:
                why += " + described as this cause of that status"
            yield Candidate(playbook, variant, None, round(confidence, 2), why)

    def _described_with(
        self,
        status: int,
        playbook: Playbook,
        variant: Variant | None,
        ev: Evidence,
        described: list[DescriptionHit[Entry]],
    ) -> tuple[Playbook, Variant | None]:
        """For a bare status, the playbook of that status the paste describes clearly better (``described``: the
        paste's best descriptions) than the one whose sign it is (a 429 "about tokens per minute" on MaaS), else
        the sign's own playbook."""
        s = self.scoring
        scores: dict[str, float] = {}
        best = None
        for hit in described:
            other = hit.payload.playbook
            scores.setdefault(other.code, hit.score)
            if best is None and status in other.http_status and other.layer.route in (None, ev.route):
                best = other
        if best is None or best is playbook:
            return playbook, variant
        score = scores[best.code]
        if score < s.description_short_min or score < s.status_described_ratio * scores.get(playbook.code, 0.0):
            return playbook, variant
        return best, None

    def _by_description(self, ev: Evidence):
        """A failure told in people's own words: the playbook it describes best, by a clear margin, with a
        confidence that says it is a description. In a ModelArts context any playbook; without one, only a
        strong match to ModelArts's own machinery (dispatcher, model service), whose words are its own, told in
        words rather than shown as a log from some server."""
        s = self.scoring
        if not ev.failed or ev.surface is Surface.MANAGEMENT or ev.foreign or len(ev.text) > s.description_scan:
            return
        text = ev.own_text  # what a log does every minute describes no failure
        if not told(text):
            return  # a question or a note about the product, not a failure told
        best: dict[str, tuple[float, Entry]] = {}
        for hit in self.kb.descriptions.search(text, limit=12):
            best.setdefault(hit.payload.playbook.code, (hit.score * self._named(hit.payload.layer, ev), hit.payload))
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
        if not ranked:
            return
        score, entry = ranked[0]
        kin = self.kb.kin(entry.playbook.code)  # related playbooks share a story: they do not compete
        runner_up = next((other for other, e in ranked[1:] if e.playbook.code not in kin), 0.0)
        if not ev.context:
            own = entry.layer in _OWN_MACHINERY and not LOG_STAMP.search(ev.text)
            # told in words, no code or exception: one of that playbook's own symptoms agreeing is a second sign
            signed = not (ev.codes or ev.exceptions) and _first_symptom(entry.playbook.symptoms, ev) is not None
            least = s.description_own_signed_min if signed else s.description_own_min
            if not (own and score >= least and score >= s.description_own_ratio * runner_up):
                return
        clear = score >= s.description_min and score >= s.description_ratio * runner_up
        if not clear and not (score >= s.description_short_min and score >= s.description_short_ratio * runner_up):
            return
        if entry.variant and not _on_route(entry.variant, ev, own_words=True):
            entry = Entry(entry.playbook, None)
        grown = max(0.0, min(1.0, (score - s.description_min) / s.description_range))
        confidence = s.description_base + s.description_span * grown if ev.context else s.description_own
        why = f"described in other words (match {score:.0f}, {score / max(runner_up, 1e-9):.2f}x the next)"
        yield Candidate(entry.playbook, entry.variant, None, round(confidence, 2), why)

    def _named(self, layer: Layer, ev: Evidence) -> float:
        """How a description's match is weighed by the hop the paste names: up if it blames that hop, down if
        it says that hop did not answer."""
        if layer in ev.blamed:
            return self.scoring.blamed
        return self.scoring.cleared if layer in ev.cleared else 1.0

    def _agreed(self, weak: Candidate | None, described: Candidate) -> Candidate:
        """A description that agrees with a weaker sign of the same playbook makes both surer."""
        if weak is None:
            return described
        confidence = min(
            max(weak.confidence, described.confidence) + self.scoring.agreement, self.scoring.max_confidence
        )
        return replace(weak, confidence=round(confidence, 2), why=f"{weak.why} + {described.why}")

    def _whole_message(self, message: str, window: str, ev: Evidence) -> bool:
        """Is a known text said as such: an ``error_msg`` value or a quoted string, most of its line, or its words
        as a phrase of their own (not "Bad request" inside ``BadRequestError`` or ``400 BAD_REQUEST``)? Asked of
        short, generic texts, and of any text in a paste with nothing else about ModelArts."""
        target = default_process(message)
        said = ev.messages + ev.quoted
        words = re.findall(r"[a-z0-9]+", message.lower())
        phrase = r"\W{1,3}".join(words)
        if not words:
            return False
        if " ".join(words) in _REASON_PHRASES:
            status_line = re.compile(rf"\b[1-5]\d\d\W{{1,3}}(?:(?:client|server) error\W{{1,3}})?{phrase}\b", re.I)
            if any(status_line.search(text) for text in (window, *said)):
                return False  # "400 Bad Request" is an HTTP status line, not the gateway's "Bad request."
        if any(fuzz.ratio(target, default_process(m)) >= self.scoring.explains_ratio for m in said):
            return True
        if len(window.strip()) <= self.scoring.generic_line * len(message):
            return True
        return re.search(rf"\b{phrase}\b", window, re.IGNORECASE) is not None

    def _quoted(self, message: str, ev: Evidence) -> bool:
        """Is this known text quoted whole in the paste (not an HTTP reason phrase such as 'Request Entity Too Large')?"""
        target = default_process(message)
        if " ".join(re.findall(r"[a-z0-9]+", message.lower())) in _REASON_PHRASES:
            return False
        head = message.rstrip(" .。").lower()
        for quote in ev.quoted:
            if fuzz.ratio(target, default_process(quote)) >= self.scoring.explains_ratio:
                return True
            if quote.lower().startswith(head) and quote[len(head) : len(head) + 1] in (":", "："):
                return (
                    True  # the message, then its details: 'Incorrect app authentication information: signature expired'
                )
        return False

    def _explains(self, playbook: Playbook, message: str) -> bool:
        """Does ``playbook`` (or one of its variants) return this same message?"""
        target = default_process(message)
        texts = playbook.messages + tuple(m for v in playbook.variants for m in v.messages)
        return any(fuzz.ratio(default_process(m), target) >= self.scoring.explains_ratio for m in texts)


_OWN_MACHINERY = (Layer.DISPATCHER, Layer.MODEL)
"""Hops whose playbooks speak of ModelArts's own machinery (dispatcher, model import, custom images, batch
services): a strong description of one needs no other sign of ModelArts. Gateways and LLM engines talk like
any other's."""


def _on_route(variant: Variant, ev: Evidence, own_words: bool = False) -> bool:
    """Could this cause apply to the paste? Not a cause of the other call path when the paste shows its own; a
    MaaS cause, on a paste that shows no path, only when its own words (message, symptom) are there."""
    if variant.route is Route.MAAS:
        return ev.route is Route.MAAS or (ev.route is None and own_words)
    return variant.route is None or ev.route is not Route.MAAS


def _sign(source: Playbook | Variant, ev: Evidence) -> str | None:
    """The first sign of ``source`` in the paste: one of its symptoms, else one of its status signs."""
    found = _first_symptom(source.symptoms, ev)
    if found is None and source.status_signs:
        found = next((f"HTTP {s}" for s in ev.statuses if s in source.status_signs), None)
    return found


_TOOK = "a failed call that took"


def _slow(playbook: Playbook, ev: Evidence) -> str | None:
    """A failed call whose duration falls in the playbook's ``latency_s`` range, as its sign."""
    if playbook.latency_s is None or not ev.failed:
        return None
    low, high = playbook.latency_s
    took = next((d for d in ev.durations if low <= d <= high), None)
    return None if took is None else f"{_TOOK} {took:g} s"


def _first_message(hit: MessageHit[Entry]) -> bool:
    """Is the text found its playbook's first message, the one the code is known by ("Backend timeout" is APIG.0203's;
    APIG.0201 lists it among the several texts it answers with)?"""
    messages = hit.payload.playbook.messages
    return bool(messages) and default_process(messages[0]) == default_process(hit.message)


def _first_symptom(symptoms, ev: Evidence) -> str | None:
    """The text the first of ``symptoms`` the paste shows matched (only those the RE2 set found are searched)."""
    for symptom in symptoms:
        if symptom.source in ev.signs:
            m = symptom.pattern.search(ev.text)
            if m:
                return m.group(0)
    return None


def _keep(found: dict[str, Candidate], candidate: Candidate, only_new: bool = False) -> None:
    key = candidate.playbook.code
    current = found.get(key)
    if current is None or (not only_new and candidate.confidence > current.confidence):
        found[key] = candidate
