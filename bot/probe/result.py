"""Typed probe results: the ladder's rungs and the verdict, independent of where they are shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.findings import Diagnosis
from bot.vocabulary import Route

if TYPE_CHECKING:  # the vendor SDK behind it takes most of a second to import; only probes need it
    from bot.probe.control_plane import ServiceState

GATEWAY_LIMIT_S = 40.0


@dataclass(frozen=True)
class Target:
    """What to probe: a registered service (trusted) or a URL from chat (checked)."""

    label: str
    url: str
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    auth: dict = field(default_factory=lambda: {"type": "none"})
    timeout_s: float = 20.0
    trusted: bool = False
    service_id: str | None = None


@dataclass(frozen=True)
class Phase:
    """One rung of the ladder."""

    name: str
    ok: bool
    ms: float
    detail: str


@dataclass(frozen=True)
class ProbeResult:
    """Where the request failed (or that it worked), with each rung timed."""

    target: str
    verdict: str | None
    phases: tuple[Phase, ...] = ()
    status: int | None = None
    total_ms: float = 0.0
    diagnosis: Diagnosis | None = None
    refused: str | None = None
    service_state: ServiceState | None = None
    route: Route | None = None
    """The call path of the target (a MaaS endpoint, or the classic gateway), for drawing its hops."""
    notes: tuple[str, ...] = ()
    """What the result means beyond its verdict (e.g. a MaaS gateway that refused only for want of a key)."""

    @property
    def best(self):
        return self.diagnosis.best if self.diagnosis and self.diagnosis.candidates else None

    @property
    def code(self) -> str | None:
        return self.best.code if self.best else None

    @property
    def playbook(self) -> str | None:
        return self.best.playbook.code if self.best else None

    @property
    def variant(self) -> str | None:
        return self.best.variant.id if self.best and self.best.variant else None
