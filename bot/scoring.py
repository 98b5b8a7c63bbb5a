"""Every weight and threshold of the matcher, in one object (Drain3's lesson: tuning has one place).

Confidences are in 0..1; variant scores are points (a message similarity counts up to 100).
``Matcher`` takes a ``Scoring``; nothing else in the engine holds a number of its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scoring:
    answer_threshold: float = 0.6
    """Confidence from which the bot answers unprompted in a channel."""
    max_confidence: float = 0.99

    # codes
    code_strict: float = 0.9
    """A well-formed code with a playbook of its own."""
    code_loose: float = 0.84
    """A code written loosely (``apig 0201``, a typo'd prefix or digit) that still names a playbook."""
    loose_alone: float = 0.7
    """Factor for a loosely written code of an ambiguous prefix, with no ModelArts context and no error body
    ("MR 0105" as a bank reference)."""
    family: float = 0.72
    """A well-formed code with no playbook of its own, answered by its family's."""
    status_agrees: float = 0.04
    phrase_agrees: float = 0.04
    in_body_tiebreak: float = 0.03
    """Ranking bonus for a code that sits in an error body over one quoted in prose."""
    latest: float = 0.06
    """The last of several error bodies in a paste (a retry log, a timeline): the current error."""
    quoted: float = 0.8
    """Factor for a code only mentioned in prose when the paste also has an error body."""
    resolved: float = 0.5
    """Factor for a code that only stands under resolved alerts."""
    unreported: float = 0.6
    """Factor for a code only mentioned in prose: not standing as an error, with neither its message nor a sign of
    its cause beside it, in a paste that reports nothing happening (``Evidence.reported``)."""

    # code-less evidence
    symptom: float = 0.8
    specificity: float = 0.04
    """Up to this much more for a longer, more specific symptom ("Operation timed out after 30001 milliseconds"
    over "ConnectException")."""
    status_sign: float = 0.75
    """A bare HTTP status in a ModelArts paste: the weakest sign."""
    route_tiebreak: float = 0.02
    """Ranking bonus for a hop of the route the paste shows (a 429 on MaaS is MaaS's own limit)."""
    message_base: float = 0.55
    """Confidence of a known message found at the verification similarity; grows to base + span at 100%."""
    message_span: float = 0.4
    no_context_penalty: float = 0.05
    secondary: float = 0.8
    """Weight of a code-less match when the paste also carries codes: it can only be an 'other'."""

    # descriptions in people's own words (BM25 over what each playbook says about itself)
    description_min: float = 19.0
    """BM25 score the best-described playbook must reach."""
    description_ratio: float = 1.1
    """How far ahead of the next playbook it must be."""
    description_short_min: float = 12.0
    description_short_ratio: float = 1.5
    """A short description scores less: it may reach only this, when it is this far ahead."""
    description_base: float = 0.62
    description_span: float = 0.1
    """Confidence grows from base to base + span as the score goes from the minimum to minimum + description_range."""
    description_range: float = 20.0
    agreement: float = 0.08
    """A description agreeing with a weak message or sign of the same playbook."""
    description_own_min: float = 25.0
    description_own_ratio: float = 1.25
    """Without anything else about ModelArts, a description of its own machinery must score this, this far ahead."""
    description_own_signed_min: float = 12.0
    """...or only this, when a paste with no code or exception also shows one of that playbook's own symptoms
    ("stuck in Deploying")."""
    description_own: float = 0.62
    """Confidence of such a description: the least sure answer the bot gives unprompted."""
    status_described_ratio: float = 1.3
    """A bare status points to the playbook of that status the paste describes this many times better than the
    sign's own playbook ("429 about tokens per minute")."""
    bare_described: float = 11.0
    """BM25 score the words beside a bare number (the number itself left out) must give that code's playbook, as the
    best-described one, to read the number as that code ("被拦了 81011 内容审核")."""
    description_scan: int = 20_000
    """Longer pastes are logs, not descriptions: not read this way."""

    blamed: float = 1.15
    """Factor for a described playbook of the hop the paste names as answering ("the gateway refuses it")."""
    cleared: float = 0.8
    """Factor for a code-less match of a hop the paste says did not answer ("not the gateway")."""

    # the message index
    index_cover: float = 0.5
    """Share of a message's informative weight the paste must contain to be verified."""
    index_verify: float = 80.0
    """rapidfuzz partial_ratio a shortlisted message must reach."""
    generic_words: int = 4
    """A message of this many words or fewer ("Request entity too large") needs ModelArts context, and must be the
    error's whole message: an ``error_msg`` value, or a line at most ``generic_line`` times its length."""
    generic_line: float = 3.0
    quoted_words: int = 3
    """A known message of this many words or more, quoted whole, is the error even where nothing says ModelArts:
    people copy the text they got ('Verify client certificate failed'); shorter ones ('Invalid token.') are too
    common elsewhere."""
    clause_words: int = 4
    """A clause of a longer message with this many informative words ("SSL error in the backend service") is the
    error even where nothing says ModelArts, said as a phrase of its own; one with fewer ("you do not have access to
    it") must be quoted or stand in a ModelArts paste."""
    clause_alone: float = 0.75
    """Factor for such a clause found where nothing says ModelArts: the least sure way a message is found."""
    explains_ratio: float = 90.0
    """A message this similar to a coded playbook's own text is that code's wording, not a second error."""
    phrase_ratio: float = 85.0

    # choosing a variant
    variant_floor: float = 70.0
    """Message similarity below which a variant's messages say nothing."""
    status_mismatch: float = -15.0
    status_unique: float = 60.0
    """The status alone tells this variant apart."""
    status_shared: float = 20.0
    symptom_points: float = 60.0
    """An author-written sign of this very cause."""
    route_points: float = 30.0
    """A MaaS paste, and a cause of the MaaS route."""
    variant_min: float = 60.0
    variant_margin: float = 5.0
    last_hits: int = 10
    """How many of a code's latest occurrences are tried, latest first, before the whole paste decides."""
    fallback_scan: int = 20_000
    """Characters of the paste the whole-paste variant decision reads."""


DEFAULT = Scoring()
