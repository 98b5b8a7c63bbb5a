"""Typed results of a diagnosis, independent of where they are shown.

The matcher produces these; the renderers (console text, JSON, Slack Block Kit) turn them into
output. Nothing here knows about Slack.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.extract import Evidence
from bot.playbook import Playbook, Variant
from bot.vocabulary import Layer, Route, Surface


@dataclass(frozen=True)
class Candidate:
    """One playbook the paste points at, with how sure we are and why."""

    playbook: Playbook
    variant: Variant | None
    code: str | None
    confidence: float
    why: str
    in_body: bool = False

    @property
    def label(self) -> str:
        """The code as shown: the code found in the paste, else the playbook's id."""
        return self.code or self.playbook.code

    @property
    def variant_id(self) -> str | None:
        return self.variant.id if self.variant else None

    @property
    def layer(self) -> Layer:
        """The hop that failed: the variant's own, else the playbook's."""
        return self.playbook.hop(self.variant)

    @property
    def title(self) -> str:
        return self.variant.title if self.variant else self.playbook.title

    @property
    def cause(self) -> str:
        return self.variant.cause if self.variant else self.playbook.cause

    @property
    def steps(self) -> tuple[str, ...]:
        return self.variant.steps if self.variant else self.playbook.steps

    def localised(self, lang: str) -> tuple[str, str, tuple[str, ...]]:
        """Title, cause and steps in ``lang``: Chinese (``zh``) where the playbook or variant has it, else English."""
        source = self.variant or self.playbook
        if lang != "zh":
            return source.title, source.cause, source.steps
        steps = source.steps_zh if len(source.steps_zh) == len(source.steps) else source.steps
        return source.title_zh or source.title, source.cause_zh or source.cause, steps

    def route(self, seen: Route | None) -> Route:
        """The call path to draw: the hop's own route, else the one the paste came by (classic by default)."""
        return self.layer.route or seen or Route.CLASSIC


@dataclass(frozen=True)
class Diagnosis:
    """The answer to one paste: candidates best first, and whether to speak unprompted."""

    evidence: Evidence
    candidates: tuple[Candidate, ...]
    threshold: float
    """Confidence from which the bot answers unprompted (``Scoring.answer_threshold``)."""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def others(self) -> tuple[Candidate, ...]:
        return self.candidates[1:]

    @property
    def matched(self) -> bool:
        """Would the bot answer unprompted: a candidate confident enough, from a prediction (not a management API),
        in a paste that reports a failure (not one that only talks about errors)."""
        return (
            self.best is not None
            and self.best.confidence >= self.threshold
            and self.evidence.surface is not Surface.MANAGEMENT
            and not self.evidence.talk
        )

    @property
    def route(self) -> Route:
        """The call path of the answer's hop diagram."""
        return self.best.route(self.evidence.route) if self.best else (self.evidence.route or Route.CLASSIC)
