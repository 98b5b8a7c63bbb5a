"""Who may probe what: the one place that decides, before any probe runs or any probe button is offered.

It turns what a person typed (a registered service name, or a URL) into a probe target, and
admits or refuses the request: optional allowlists of users and channels, per-user and
per-channel rate limits (counted in the shared store, so replicas share them), and URL rules
for targets that are not registered. The prober checks addresses again at connect time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.extract import extract
from bot.probe.registry import Registry, Service
from bot.probe.result import Target
from bot.probe.safety import Refused, UrlRules
from bot.redact import mask
from bot.settings import ProbeSettings
from bot.store import Store

USAGE = "Usage: `/predict-check <service>` or `/predict-check <prediction URL>`; `/predict-check` lists the services."
_SAFE_ARG = re.compile(r"^[\x21-\x7e]{1,2000}$")


@dataclass(frozen=True)
class Decision:
    """A target to probe, or why not."""

    target: Target | None = None
    refusal: str | None = None


class ProbePolicy:
    """Turns typed text into a target (``resolve``) and decides who may probe: ``allowed`` is a dry run that
    changes nothing (whether to offer a button), ``take`` admits one probe and counts it against the limits."""

    def __init__(self, store: Store, registry: Registry, rules: UrlRules, settings: ProbeSettings | None = None):
        self.store, self.registry, self.rules = store, registry, rules
        self.settings = settings or ProbeSettings()

    @property
    def auto_probe(self) -> bool:
        return self.settings.auto

    def services_list(self) -> str:
        names = sorted(self.registry.services)
        if not names:
            return "No services are registered (SERVICES_FILE); you can still probe a prediction URL."
        return "Registered services: " + ", ".join(f"`{n}`" for n in names)

    def resolve(self, text: str) -> Decision:
        """A registered service by name, a URL (registered or checked against the URL rules), or why not."""
        arg = text.strip().strip("<>").split("|", 1)[0].strip()
        if not arg:
            return Decision(refusal=f"{USAGE}\n{self.services_list()}")
        if not _SAFE_ARG.match(arg):
            return Decision(refusal=USAGE)
        service = self.registry.get(arg)
        if service:
            return Decision(target=service_target(service))
        if not arg.lower().startswith(("http://", "https://")):
            return Decision(refusal=f"I don't know a service called `{mask(arg[:80])}`. {self.services_list()}")
        urls = extract(arg).urls
        service = self.registry.for_url(arg, urls[0].service_id if urls else None)
        if service:
            return Decision(target=service_target(service))
        try:
            self.rules.check_url(arg)
        except Refused as refused:
            return Decision(refusal=f"Not probing that URL: {refused}.")
        # the label is shown in the channel: mask whatever credentials the URL may carry
        return Decision(target=Target(label=mask(arg), url=arg, service_id=urls[0].service_id if urls else None))

    def allowed(self, user: str | None, channel: str | None) -> Decision:
        """Would a probe by ``user`` in ``channel`` be admitted now? Pure: nothing is counted."""
        return self._check(user, channel, lambda key, window: self.store.peek(key))

    def take(self, user: str | None, channel: str | None) -> Decision:
        """Admit one probe by ``user`` in ``channel``, counting it against the rate limits; or refuse."""
        return self._check(user, channel, lambda key, window: self.store.incr(key, window) - 1)

    def _check(self, user: str | None, channel: str | None, used) -> Decision:
        s = self.settings
        if s.users and user not in s.users:
            return Decision(refusal="Live probes are limited to a list of users; ask your bot admin.")
        if s.channels and channel not in s.channels:
            return Decision(refusal="Live probes are not enabled in this channel; ask your bot admin.")
        for who, (count, window) in ((f"user:{user}", s.per_user), (f"channel:{channel}", s.per_channel)):
            if used(f"probe-rate:{who}", window) >= count:
                return Decision(
                    refusal=f"Busy: the probe limit ({count} in {window} s) is reached; try again in {window} s."
                )
        return Decision()


def service_target(service: Service) -> Target:
    return Target(
        label=service.name,
        url=service.url,
        method=service.method,
        headers=service.headers,
        body=service.body,
        auth=service.auth,
        timeout_s=service.timeout_s,
        trusted=True,
        service_id=service.service_id,
    )
