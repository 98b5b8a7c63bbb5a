"""The probe ladder: DNS, TCP connect, TLS, the request, then what the answer means.

Each rung is timed and the first that fails says which hop is broken. The answer (or the
failure, written the way a client library would report it) goes through the same matcher as a
pasted error, so the result names the playbook and variant. Bounded everywhere: one total time
cap (credentials, DNS, then a watchdog that shuts the socket down when the time runs out, however
slowly the server drips bytes; an answer still arriving then is a time-out, never ``ok``), one
request, no redirects followed, response bytes capped, a cap on probes in flight. What a result
says never holds the probe's credentials (``Scrubber``) nor the private addresses a pasted host
resolved to.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.extract import extract
from bot.matcher import Matcher
from bot.probe.answer import embedded_error, notes
from bot.probe.auth import AuthError, auth_headers, sent_secrets
from bot.probe.result import GATEWAY_LIMIT_S, Phase, ProbeResult, Target
from bot.probe.safety import Refused, UrlRules
from bot.probe.scrub import Scrubber, url_secrets
from bot.probe.watchdog import Watchdog
from bot.redact import mask
from bot.settings import Secrets
from bot.vocabulary import Layer, Route

if TYPE_CHECKING:
    from bot.probe.control_plane import ControlPlane

MAX_BYTES = 64 * 1024
MAX_TOTAL_S = 30.0
MAX_IN_FLIGHT = 4
_DNS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="probe-dns")
_LOGIN = ThreadPoolExecutor(max_workers=2, thread_name_prefix="probe-login")
"""IAM logins, waited for no longer than the probe's time: a login that never ends holds a thread, not the probe."""
_SENDABLE = re.compile(r"[\t\x20-\x7e\xa0-\xff]*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PATH = re.compile(r"[\x21-\x7e]+")

Resolver = Callable[[str, int], list[str]]


def split_target(url: str) -> tuple[str, int, str]:
    """Scheme, port (the scheme's default when absent) and host of a URL."""
    parts = urlsplit(url)
    return parts.scheme, parts.port or (443 if parts.scheme == "https" else 80), (parts.hostname or "")


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class Busy(Exception):
    """Too many probes in flight."""


class Prober:
    """Runs probes; safe to share across threads."""

    def __init__(
        self,
        matcher: Callable[[], Matcher],
        rules: UrlRules | None = None,
        resolver: Resolver = system_resolver,
        ca_file: str | None = None,
        control_plane: ControlPlane | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_total_s: float = MAX_TOTAL_S,
        secrets: Secrets | None = None,
    ):
        self.matcher = matcher
        self.rules = rules or UrlRules()
        self.resolver = resolver
        self.ca_file = ca_file
        self.control_plane = control_plane
        self.secrets = secrets or Secrets()
        self.max_total_s = max_total_s
        self._slots = threading.BoundedSemaphore(max_in_flight)

    def probe(self, target: Target) -> ProbeResult:
        """Probe ``target``; refusals come back as a result with ``refused`` set and nothing sent."""
        try:
            scheme, port, host = self._check(target)
        except Refused as refused:
            return ProbeResult(mask(target.label), None, refused=str(refused))
        if not self._slots.acquire(blocking=False):
            raise Busy("too many probes are running")
        try:
            return self._climb(target, scheme, host, port)
        finally:
            self._slots.release()

    def _check(self, target: Target) -> tuple[str, int, str]:
        if not target.trusted:
            return self.rules.check_url(target.url)
        return split_target(target.url)

    def _climb(self, target: Target, scheme: str, host: str, port: int) -> ProbeResult:
        ladder = _Ladder(self, target, scheme, host, port)
        result = ladder.run()
        # the control plane speaks for the admin's own services only, not for any id pasted in chat
        if self.control_plane and target.trusted and target.service_id and result.refused is None:
            result = replace(result, service_state=self.control_plane.service_state(target.service_id))
        return result


class _Ladder:
    """One probe's climb; holds the clock, the rungs done so far and the secrets to keep out of the result."""

    def __init__(self, prober: Prober, target: Target, scheme: str, host: str, port: int):
        self.p, self.t, self.scheme, self.host, self.port = prober, target, scheme, host, port
        self.start = time.perf_counter()
        self.deadline = self.start + min(target.timeout_s, prober.max_total_s)
        self.phases: list[Phase] = []
        self.auth: dict[str, str] = {}
        self.scrub = Scrubber([*sent_secrets(target.auth, {}, prober.secrets), *url_secrets(target.url)])
        urls = extract(target.url).urls
        # the call path, where the address says it; else the answer decides (a MaaS code, a vLLM body)
        self.route = urls[0].route if urls else None

    def left(self) -> float:
        return max(0.05, self.deadline - time.perf_counter())

    def rung(self, name: str, ok: bool, started: float, detail: str) -> None:
        self.phases.append(Phase(name, ok, round((time.perf_counter() - started) * 1000, 1), self.scrub(detail)))

    def run(self) -> ProbeResult:
        try:  # credentials first (an IAM login may take a while), so no connection idles meanwhile
            self.auth = self.credentials()
        except AuthError as exc:
            return self.result(None, refused=f"cannot authenticate: {exc}")
        self.scrub = Scrubber([*sent_secrets(self.t.auth, self.auth, self.p.secrets), *url_secrets(self.t.url)])
        parts = urlsplit(self.t.url)
        unsendable = unsendable_part(parts.path + (f"?{parts.query}" if parts.query else ""), self.headers(self.auth))
        if unsendable:  # what http.client would refuse, or pass on broken: named, never its value; nothing sent
            return self.result(None, refused=f"the request cannot be sent: {unsendable}")
        started = time.perf_counter()
        try:
            addresses = _DNS.submit(self.p.resolver, self.host, self.port).result(timeout=self.left())
        except FutureTimeout:
            waited = time.perf_counter() - started
            self.rung("dns", False, started, f"no DNS answer for {self.host} within {waited:.1f} s")
            return self.failed(f"NameResolutionError: Failed to resolve '{self.host}' (timed out)")
        except (OSError, UnicodeError) as exc:
            self.rung("dns", False, started, f"{self.host} does not resolve: {exc}")
            return self.failed(f"NameResolutionError: Failed to resolve '{self.host}' ({exc})")
        if not addresses:
            self.rung("dns", False, started, f"{self.host} resolves to no address")
            return self.failed(f"NameResolutionError: Failed to resolve '{self.host}' (no address)")
        if self.t.trusted:
            self.rung("dns", True, started, ", ".join(addresses[:3]))
            return self.connect(addresses[0])
        allowed, refusal = self.public(addresses)
        hidden = len(addresses) - len(allowed)
        # a pasted host's private addresses are the admin's business, not the channel's: counted, never shown
        shown = ", ".join(allowed[:3]) + (f" ({hidden} non-public not shown)" if allowed and hidden else "")
        self.rung("dns", True, started, shown or "non-public addresses only (not shown)")
        if not allowed:
            return self.result(None, refused=str(refusal))
        return self.connect(allowed[0])

    def credentials(self) -> dict[str, str]:
        """The auth headers; an IAM login is waited for no longer than the probe's time."""
        args = (self.t.auth, self.t.method, self.t.url, self.headers(), self.t.body, self.p.secrets)
        if self.t.auth.get("type") != "iam_password":
            return auth_headers(*args)
        try:
            return _LOGIN.submit(auth_headers, *args).result(timeout=self.left())
        except FutureTimeout:
            raise AuthError(f"IAM gave no token within {self.deadline - self.start:.0f} s") from None

    def public(self, addresses: list[str]) -> tuple[list[str], Refused | None]:
        """The addresses the rules let a pasted URL reach, and why the others are not."""
        allowed, reason = [], None
        for address in addresses:
            try:
                self.p.rules.check_address(address)
                allowed.append(address)
            except Refused as refused:
                reason = reason or refused
        return allowed, reason

    def connect(self, address: str) -> ProbeResult:
        started = time.perf_counter()
        where = f"[{address}]:{self.port}" if ":" in address else f"{address}:{self.port}"
        try:
            sock = socket.create_connection((address, self.port), timeout=self.left())
        except TimeoutError:
            self.rung("connect", False, started, f"no TCP answer from {where} (firewall or proxy?)")
            return self.failed(f"ConnectTimeoutError: Connection to {self.host} timed out. (connect timeout)")
        except OSError as exc:
            self.rung("connect", False, started, f"{where}: {exc.strerror or exc}")
            kind = "ConnectionRefusedError" if isinstance(exc, ConnectionRefusedError) else type(exc).__name__
            return self.failed(f"{kind}: [Errno {exc.errno}] {exc.strerror or exc} connecting to {self.host}")
        self.rung("connect", True, started, where)
        # one clock for everything after the connect: a server that drips bytes cannot outlast it
        watchdog = Watchdog(sock, self.left())
        try:
            if self.scheme == "https":
                wrapped = self.tls(sock, watchdog)
                if isinstance(wrapped, ProbeResult):
                    return wrapped
                sock = wrapped
            return self.request(sock, watchdog)
        finally:
            watchdog.settle()
            sock.close()

    def tls(self, sock: socket.socket, watchdog: Watchdog) -> ssl.SSLSocket | ProbeResult:
        started = time.perf_counter()
        context = ssl.create_default_context(cafile=self.p.ca_file)
        wrapped = context.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
        watchdog.guard(wrapped)  # the plain socket is detached now: the watchdog must shut the TLS one
        wrapped.settimeout(self.left())
        try:
            wrapped.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            wrapped.close()
            if watchdog.settle() or isinstance(exc, TimeoutError):
                waited = time.perf_counter() - started
                self.rung("tls", False, started, f"the TLS handshake did not finish within {waited:.1f} s")
                return self.failed(f"ReadTimeout: Read timed out. (read timeout={waited:.0f}) in the TLS handshake")
            if isinstance(exc, ssl.SSLCertVerificationError):
                self.rung("tls", False, started, f"certificate rejected: {exc.verify_message}")
                return self.failed(f"SSLCertVerificationError: certificate verify failed: {exc.verify_message}")
            self.rung("tls", False, started, f"TLS handshake failed: {exc}")
            return self.failed(f"SSLError: TLS handshake with {self.host} failed ({exc})")
        cert = wrapped.getpeercert() or {}
        detail = wrapped.version() or "TLS"
        if cert.get("notAfter"):
            expires = ssl.cert_time_to_seconds(cert["notAfter"])
            days = int((expires - time.time()) // 86400)
            detail += f", certificate valid until {time.strftime('%Y-%m-%d', time.gmtime(expires))} ({days} days)"
        self.rung("tls", True, started, detail)
        return wrapped

    def headers(self, auth: dict[str, str] | None = None) -> dict[str, str]:
        """The request's headers: the target's own, then ``auth`` (the credentials) when given."""
        netloc = urlsplit(self.t.url).netloc.rsplit("@", 1)[-1]
        headers = {"Host": netloc, "User-Agent": "modelarts-triage-probe/1", "Accept": "*/*", **dict(self.t.headers)}
        if self.t.body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return {**headers, **(auth or {})}

    def request(self, sock: socket.socket, watchdog: Watchdog) -> ProbeResult:
        parts = urlsplit(self.t.url)
        headers = self.headers(self.auth)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.left())
        connection.sock = sock
        sock.settimeout(self.left())
        started = time.perf_counter()
        error: Exception | None = None
        answer = None
        try:
            connection.request(self.t.method, path, body=self.t.body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read(MAX_BYTES + 1)
        except (OSError, http.client.HTTPException) as exc:
            error = exc
        except ValueError as exc:  # checked above; should http.client still refuse, say so instead of failing
            return self.result(None, refused=f"the request cannot be sent ({type(exc).__name__})")
        cut = watchdog.settle()
        seconds = time.perf_counter() - started
        if cut or isinstance(error, TimeoutError):  # what arrived before the time ran out is not the answer
            detail = f"no answer within {seconds:.1f} s (the gateway allows about 40 s)"
            if answer is not None:
                detail = f"HTTP {answer.status}, but the rest of the answer did not come within {seconds:.1f} s"
            self.rung("request", False, started, detail)
            return self.failed(f"ReadTimeout: Read timed out. (read timeout={seconds:.0f}) calling {self.t.url}")
        if error is None and answer.length and len(data) <= MAX_BYTES:  # the server hung up mid-body
            error = http.client.IncompleteRead(data, answer.length)
        if error is not None:
            why = type(error).__name__
            self.rung("request", False, started, f"connection dropped before the answer was complete: {why}")
            return self.failed(f"ConnectionResetError: Connection reset by peer ({why}) from {self.host}")
        return self.answered(answer, data, started, seconds)

    def answered(self, answer: http.client.HTTPResponse, data: bytes, started: float, seconds: float) -> ProbeResult:
        """A whole answer arrived in time: ok, or which hop its status and body point at."""
        size = f"{min(len(data), MAX_BYTES)} bytes" + (" (cut at 64 KB)" if len(data) > MAX_BYTES else "")
        detail = f"HTTP {answer.status} {answer.reason}, {size}"
        body = data[:MAX_BYTES]
        if 200 <= answer.status < 300 and not embedded_error(body):
            share = 100 * seconds / GATEWAY_LIMIT_S
            self.rung(
                "request", True, started, f"{detail} in {seconds:.2f} s ({share:.0f}% of the ~40 s gateway limit)"
            )
            return self.result("ok", status=answer.status)
        if 200 <= answer.status < 300:
            detail += ", but the body carries an error"
        self.rung("request", False, started, detail)
        return self.classify(answer, body)

    def classify(self, answer: http.client.HTTPResponse, data: bytes) -> ProbeResult:
        """Codes in the answer say which hop refused; without one, the answer came from the service itself."""
        server = answer.getheader("Server") or ""
        text = f"HTTP/1.1 {answer.status}\nServer: {server}\n{data.decode('utf-8', 'replace')}"
        diagnosis = self.p.matcher().diagnose(self.scrub(text), assume_context=True)
        self.route = self.route or diagnosis.evidence.route
        best = diagnosis.best if diagnosis.matched else None
        if best and (best.code or best.layer in (Layer.CLIENT, Layer.ENGINE)):
            return self.result(best.layer.value, status=answer.status, diagnosis=diagnosis)
        return self.result((self.route or Route.CLASSIC).hops[-1].value, status=answer.status)

    def failed(self, description: str) -> ProbeResult:
        """A client-side failure, described as a client library would, diagnosed by the same matcher."""
        diagnosis = self.p.matcher().diagnose(self.scrub(description), assume_context=True)
        return self.result("client", diagnosis=diagnosis)

    def result(self, verdict: str | None, **extra) -> ProbeResult:
        total = round((time.perf_counter() - self.start) * 1000, 1)
        if extra.get("refused"):
            extra["refused"] = self.scrub(extra["refused"])
        return ProbeResult(
            mask(self.t.label),
            verdict,
            tuple(self.phases),
            total_ms=total,
            route=self.route,
            notes=notes(self.t, extra.get("diagnosis")),
            **extra,
        )


def unsendable_part(path: str, headers: dict[str, str]) -> str | None:
    """Which part of the request cannot go on the wire as one line of text (CR/LF, control characters)."""
    if path and not _PATH.fullmatch(path):
        return "the URL's path or query holds spaces, control or non-ASCII characters (percent-encode them)"
    for name, value in headers.items():
        if not (_TOKEN.fullmatch(name) and _SENDABLE.fullmatch(value)):
            return f"header {name!r} is not one line of text (a line break or control character?)"
    return None
