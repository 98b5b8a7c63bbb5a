"""Typed results of a diagnosis, independent of where they are shown.

The matcher produces these; the renderers (console text, JSON, Slack Block Kit) turn them into
output. Nothing here knows about Slack.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.extract import Evidence
from bot.playbook import Playbook, Variant

MATCH_THRESHOLD = 0.6
"""Confidence from which the bot answers unprompted in a channel."""


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
    def title(self) -> str:
        return self.variant.title if self.variant else self.playbook.title

    @property
    def cause(self) -> str:
        return self.variant.cause if self.variant else self.playbook.cause

    @property
    def steps(self) -> tuple[str, ...]:
        return self.variant.steps if self.variant else self.playbook.steps

    def zh(self) -> tuple[str | None, str | None]:
        """Chinese title and cause, where the playbook has them."""
        source = self.variant if self.variant and self.variant.cause_zh else self.playbook
        return source.title_zh, source.cause_zh


@dataclass(frozen=True)
class Diagnosis:
    """The answer to one paste: candidates best first, and whether to speak unprompted."""

    evidence: Evidence
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def others(self) -> tuple[Candidate, ...]:
        return self.candidates[1:]

    @property
    def matched(self) -> bool:
        return self.best is not None and self.best.confidence >= MATCH_THRESHOLD
