"""Who may probe what: the one place that decides, before any probe runs.

It turns what a person typed (a registered service name, or a URL) into a probe target, and
admits or refuses the request: optional allowlists of users and channels, per-user and
per-channel rate limits (counted in the shared store, so replicas share them), and URL rules
for targets that are not registered. The prober checks addresses again at connect time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from bot.extract import extract
from bot.probe.registry import Registry, Service
from bot.probe.result import Target
from bot.probe.safety import Refused, UrlRules
from bot.redact import mask
from bot.store import Store

USAGE = "Usage: `/predict-check <service>` or `/predict-check <prediction URL>`; `/predict-check` lists the services."
_SAFE_ARG = re.compile(r"^[\x21-\x7e]{1,2000}$")


@dataclass(frozen=True)
class Decision:
    """A target to probe, or why not."""

    target: Target | None = None
    refusal: str | None = None


def _limit(name: str, raw: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """``"3/60"`` -> three per 60 s; a clear ``ValueError`` for anything else."""
    if not raw:
        return default
    count, _, window = raw.partition("/")
    if not count.isdigit() or not (window or "60").isdigit() or int(window or 60) == 0:
        raise ValueError(f"{name}={raw!r} must be COUNT/SECONDS, e.g. 3/60 (three probes a minute)")
    return int(count), int(window or 60)


class ProbePolicy:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        rules: UrlRules,
        per_user: tuple[int, int] = (3, 60),
        per_channel: tuple[int, int] = (10, 60),
        users: frozenset[str] = frozenset(),
        channels: frozenset[str] = frozenset(),
        auto_probe: bool = False,
    ):
        self.store, self.registry, self.rules = store, registry, rules
        self.per_user, self.per_channel = per_user, per_channel
        self.users, self.channels = users, channels
        self.auto_probe = auto_probe

    @classmethod
    def from_env(cls, store: Store, registry: Registry, env=None) -> ProbePolicy:
        env = os.environ if env is None else env

        def ids(name: str) -> frozenset[str]:
            return frozenset(x.strip() for x in env.get(name, "").split(",") if x.strip())

        return cls(
            store,
            registry,
            UrlRules.from_env(env),
            per_user=_limit("PROBE_USER_LIMIT", env.get("PROBE_USER_LIMIT"), (3, 60)),
            per_channel=_limit("PROBE_CHANNEL_LIMIT", env.get("PROBE_CHANNEL_LIMIT"), (10, 60)),
            users=ids("PROBE_USERS"),
            channels=ids("PROBE_CHANNELS"),
            auto_probe=env.get("PROBE_AUTO", "").lower() in ("1", "true", "yes", "on"),
        )

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
            return Decision(refusal=f"I don't know a service called `{arg[:80]}`. {self.services_list()}")
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

    def admit(self, user: str | None, channel: str | None) -> Decision:
        """Allowlists and rate limits for one probe request by ``user`` in ``channel``."""
        if self.users and user not in self.users:
            return Decision(refusal="Live probes are limited to a list of users; ask your bot admin.")
        if self.channels and channel not in self.channels:
            return Decision(refusal="Live probes are not enabled in this channel; ask your bot admin.")
        for who, (count, window) in ((f"user:{user}", self.per_user), (f"channel:{channel}", self.per_channel)):
            if self.store.incr(f"probe-rate:{who}", window) > count:
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
