"""Which URLs the bot may fetch for a chat user, and which addresses it may connect to.

A URL pasted in chat is probed only over http(s), without credentials in it, when its host
matches the allowlist (default: Huawei Cloud API Gateway hosts and MaaS endpoints). Whatever the name resolves to,
the address actually connected to must not be loopback, private, link-local (cloud metadata),
CGNAT, multicast, reserved or unspecified, in any notation: decimal, hex, octal and short IPv4
forms and IPv4 inside IPv6 are unwrapped first. The prober connects to the checked address
itself, so DNS cannot change the answer between check and connect. A refusal says what kind of
address the host resolves to (loopback, private...), never the address itself.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.settings import DEFAULT_ALLOWED_HOSTS, ProbeSettings

_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "fd00:ec2::/32",
        "64:ff9b::/96",
        "fec0::/10",
    )
)
_IPV4_PART = re.compile(r"^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$", re.IGNORECASE)


class Refused(Exception):
    """The probe may not go there; the message says why."""


@dataclass(frozen=True)
class UrlRules:
    """The allowlist of hosts and the private networks an admin explicitly opened (default none)."""

    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    allowed_nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def from_settings(cls, probe: ProbeSettings) -> UrlRules:
        return cls(probe.allowed_hosts, probe.allowed_nets)

    def check_url(self, url: str) -> tuple[str, int, str]:
        """Scheme, host and port of an acceptable URL; ``Refused`` otherwise. Sends nothing."""
        if len(url) > 2000:
            raise Refused("the URL is longer than 2000 characters")
        try:
            parts = urlsplit(url.strip())
            parts.port  # noqa: B018 - a malformed port or IPv6 literal raises here
        except ValueError as exc:
            raise Refused(f"the URL cannot be read ({exc})") from None
        if parts.scheme not in ("http", "https"):
            raise Refused(f"only http and https URLs are probed, not {parts.scheme or 'this'}")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise Refused("the URL carries credentials (user:password@); send them as headers instead")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise Refused("the URL has no host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not any(fnmatch.fnmatchcase(host, pattern) for pattern in self.allowed_hosts):
            shown = ", ".join(self.allowed_hosts)
            raise Refused(f"{host} is not an allowed probe host (allowed: {shown}); register the service instead")
        return parts.scheme, port, host

    def check_address(self, address: str) -> None:
        """Raise ``Refused`` if the bot must not connect to ``address``."""
        ip = literal_ip(address)
        if ip is None:
            raise Refused("the host resolves to something that is not an IP address")
        if any(ip in net for net in self.allowed_nets if net.version == ip.version):
            return
        reason = blocked_reason(ip)
        if reason:  # the kind of address only: which private address a name points at is not the asker's to learn
            raise Refused(f"the host resolves to a {reason} address; probes only go to public addresses")


def literal_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse an IP in any notation inet_aton accepts (127.1, 0x7f000001, 017700000001) or IPv6.

    Resolvers already return canonical addresses; this also reads an address written by hand
    (a registry, a resolver stub) the way the C library would, so no notation slips past the check.
    """
    text = text.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.match(p) for p in parts):
        return None
    values = [int(p, 0) if p.lower().startswith("0x") else int(p, 8) if p.startswith("0") else int(p) for p in parts]
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    return ipaddress.IPv4Address(number * 256 ** (4 - len(head)) + last)


def blocked_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is off limits (loopback, private...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return blocked_reason(embedded)
    for name, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local (cloud metadata)", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return name
    for net in _EXTRA_BLOCKED:
        if net.version == ip.version and ip in net:
            return "shared (CGNAT)" if str(net) == "100.64.0.0/10" else "special-purpose"
    return None
