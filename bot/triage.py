"""What the bot does with one paste, decided without Slack: one answer for Slack, the console and the CLI.

``triage()`` masks credentials, diagnoses the paste, recognises a prediction URL and the registered
service behind it, decides whether to offer a live probe (only to someone the probe policy would
admit: its dry run, nothing counted), and settles the outcome: answer, recognised URL, probe at
once, help (when asked for it), or stay silent. It returns a frozen ``Triage``; posting, storing and probing are the caller's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.extract import Evidence, PredictionUrl
from bot.findings import Diagnosis
from bot.guide import Guide, asks_for_help, guide
from bot.matcher import Matcher
from bot.probe.policy import ProbePolicy
from bot.probe.registry import Service
from bot.redact import redact
from bot.store import GAP_TEXT_LIMIT
from bot.vocabulary import Route

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
MAX_OFFER_URL = 1900
"""A longer URL does not fit a button's value with room to spare; it is not offered."""


class Outcome(StrEnum):
    ANSWER = "answer"
    """A diagnosis; or, when the bot was addressed, its closest candidates and how to ask better."""
    RECOGNISED_URL = "recognised_url"
    """A prediction URL (or console link) and no error: what the bot recognised, and the probe button."""
    AUTO_PROBE = "auto_probe"
    """A registered service named by URL, with automatic probes on: probe it at once."""
    SILENT = "silent"
    """Nothing the bot should answer unprompted."""
    HELP = "help"
    """The bot was asked for help: what to paste, the commands, what can be probed."""


@dataclass(frozen=True)
class Triage:
    """The decision for one paste, and everything the caller needs to carry it out."""

    diagnosis: Diagnosis
    text: str
    """The paste with credentials masked: the only form of it that may be shown, logged or stored."""
    secrets: tuple[str, ...]
    """Kinds of credential that were masked (the poster is warned)."""
    url: PredictionUrl | None
    """A prediction URL recognised in a paste that matched no error."""
    service: Service | None
    """The registered service that URL belongs to."""
    probe: str | None
    """What the "Run live probe" button would probe (a service name or a URL), when offered."""
    outcome: Outcome
    gap: bool
    """Worth a playbook author's look: error-shaped, about ModelArts (or asked for), and not answered."""
    guide: Guide | None = None
    """For a request for help: what this deployment offers."""

    @property
    def evidence(self) -> Evidence:
        return self.diagnosis.evidence

    @property
    def route(self) -> Route:
        return self.diagnosis.route

    @property
    def lang(self) -> str:
        """The poster's language (``en`` or ``zh``), judged by the human words around the error."""
        return self.diagnosis.evidence.lang

    @property
    def confidence(self) -> float | None:
        return self.diagnosis.best.confidence if self.diagnosis.matched else None

    @property
    def playbook(self) -> str | None:
        """The playbook the answer gives (None: nothing matched)."""
        return self.diagnosis.best.playbook.code if self.diagnosis.matched else None

    @property
    def variant(self) -> str | None:
        return self.diagnosis.best.variant_id if self.diagnosis.matched else None

    @property
    def gap_text(self) -> str:
        return self.text[:GAP_TEXT_LIMIT]


def triage(
    text: str,
    matcher: Matcher,
    *,
    addressed: bool,
    policy: ProbePolicy | None = None,
    user: str | None = None,
    channel: str | None = None,
    masked: tuple[str, ...] = (),
    unprompted: bool = True,
    auto_probe: bool | None = None,
) -> Triage:
    """Decide what to do with ``text``; ``addressed`` when the bot was mentioned or messaged directly.

    ``masked``: kinds of credential already masked out of ``text`` (at intake), reported with any found here.
    ``unprompted``: whether the bot may answer where it was not addressed (a channel may want mentions only);
    ``auto_probe``: probe a registered service at once (None: as the probe settings say).
    """
    cleaned = redact(text)
    diagnosis = matcher.diagnose(cleaned.text)
    if addressed and asks_for_help(cleaned.text):
        return Triage(
            diagnosis, cleaned.text, masked + cleaned.kinds, None, None, None, Outcome.HELP, False, guide(policy)
        )
    urls = diagnosis.evidence.urls
    url = None if diagnosis.matched else next((u for u in urls if u.service_id or u.route is Route.MAAS), None)
    service = policy.registry.for_url(url.url, url.service_id) if url and policy else None
    may_probe = policy is not None and policy.allowed(user, channel).refusal is None
    probe = _probe_offer(cleaned.text, diagnosis, policy) if may_probe else None
    if (not addressed and not unprompted) or not (diagnosis.matched or addressed or url):
        outcome = Outcome.SILENT
    elif service is not None and may_probe and (policy.auto_probe if auto_probe is None else auto_probe):
        outcome = Outcome.AUTO_PROBE
    elif url is not None:
        outcome = Outcome.RECOGNISED_URL
    else:
        outcome = Outcome.ANSWER
    gap = not diagnosis.matched and url is None and _looks_like_an_error(diagnosis.evidence, addressed)
    secrets = tuple(dict.fromkeys(masked + cleaned.kinds))
    return Triage(diagnosis, cleaned.text, secrets, url, service, probe, outcome, gap)


def _probe_offer(text: str, diagnosis: Diagnosis, policy: ProbePolicy) -> str | None:
    """A registered service the paste names (by URL, then by name), else an allowed URL in it."""
    registry, urls = policy.registry, diagnosis.evidence.urls
    for url in urls:
        service = registry.for_url(url.url, url.service_id)
        if service:
            return service.name
    words = set(_NAME.findall(text.lower()))
    named = next((name for name in sorted(registry.services) if name in words), None)
    if named:
        return named
    for url in urls:
        if not url.console and len(url.url) < MAX_OFFER_URL and policy.resolve(url.url).target:
            return url.url
    return None


def _looks_like_an_error(ev: Evidence, addressed: bool) -> bool:
    return addressed or (ev.context and bool(ev.codes or ev.statuses or ev.exceptions or ev.messages))
