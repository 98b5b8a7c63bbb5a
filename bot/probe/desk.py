"""Probe wiring from the settings: the prober and the policy in front of it, for Slack, the console and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.matcher import Matcher
from bot.probe.ladder import Prober, Resolver, system_resolver
from bot.probe.policy import ProbePolicy
from bot.probe.registry import Registry, RegistryError
from bot.probe.result import ProbeResult
from bot.probe.safety import UrlRules
from bot.redact import mask
from bot.settings import ControlPlaneSettings, Settings, SettingsError
from bot.store import Store


@dataclass(frozen=True)
class Probes:
    """The prober and its policy, built once per process."""

    prober: Prober
    policy: ProbePolicy

    def run(self, text: str) -> ProbeResult:
        """A probe typed at the command line or console: registry and URL rules apply, chat rate limits do not."""
        decision = self.policy.resolve(text)
        if decision.refusal:
            return ProbeResult(mask(text.strip()[:200]), None, refused=decision.refusal)
        return self.prober.probe(decision.target)


def build_probes(
    settings: Settings, matcher: Callable[[], Matcher], store: Store, resolver: Resolver = system_resolver
) -> Probes:
    """``SettingsError`` for a services file that cannot be used (its message names file, entry, field, line)."""
    try:
        registry = Registry.open(settings.services_file)
    except RegistryError as exc:
        raise SettingsError(str(exc)) from None
    rules = UrlRules.from_settings(settings.probe)
    prober = Prober(
        matcher,
        rules,
        resolver,
        ca_file=settings.probe.ca_bundle,
        control_plane=_control_plane(settings.control_plane),
        secrets=settings.secrets,
    )
    return Probes(prober, ProbePolicy(store, registry, rules, settings.probe))


def _control_plane(settings: ControlPlaneSettings):
    if not settings.configured:
        return None  # not configured: skip importing the vendor SDK (most of a second)
    from bot.probe.control_plane import ControlPlane

    return ControlPlane.from_settings(settings)
