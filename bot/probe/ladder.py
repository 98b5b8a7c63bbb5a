"""The probe ladder: DNS, TCP connect, TLS, the request, then what the answer means.

Each rung is timed and the first that fails says which hop is broken. The answer (or the
failure, written the way a client library would report it) goes through the same matcher as a
pasted error, so the result names the playbook and variant. Bounded everywhere: one total time
cap (a watchdog closes the socket when it runs out, however slowly the server drips bytes), one
request, no redirects followed, response bytes capped, a cap on probes in flight.
"""

from __future__ import annotations

import contextlib
import http.client
import json
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
from bot.probe.auth import AuthError, auth_headers
from bot.probe.result import GATEWAY_LIMIT_S, Phase, ProbeResult, Target
from bot.probe.safety import Refused, UrlRules
from bot.redact import mask
from bot.settings import Secrets
from bot.vocabulary import Layer, Route

if TYPE_CHECKING:
    from bot.probe.control_plane import ControlPlane

MAX_BYTES = 64 * 1024
MAX_TOTAL_S = 30.0
MAX_IN_FLIGHT = 4
_DNS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="probe-dns")

Resolver = Callable[[str, int], list[str]]


def split_target(url: str) -> tuple[str, int, str]:
    """Scheme, port (the scheme's default when absent) and host of a URL."""
    parts = urlsplit(url)
    return parts.scheme, parts.port or (443 if parts.scheme == "https" else 80), (parts.hostname or "")


def _cut_off(sock: socket.socket) -> None:
    """The probe's time is up: wake whatever read or handshake is still waiting on this socket."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


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
    """One probe's climb; holds the clock and the rungs done so far."""

    def __init__(self, prober: Prober, target: Target, scheme: str, host: str, port: int):
        self.p, self.t, self.scheme, self.host, self.port = prober, target, scheme, host, port
        self.start = time.perf_counter()
        self.deadline = self.start + min(target.timeout_s, prober.max_total_s)
        self.phases: list[Phase] = []
        urls = extract(target.url).urls
        # the call path, where the address says it; else the answer decides (a MaaS code, a vLLM body)
        self.route = urls[0].route if urls else None

    def left(self) -> float:
        return max(0.05, self.deadline - time.perf_counter())

    def rung(self, name: str, ok: bool, started: float, detail: str) -> None:
        self.phases.append(Phase(name, ok, round((time.perf_counter() - started) * 1000, 1), mask(detail)))

    def run(self) -> ProbeResult:
        try:  # credentials first (an IAM login may take a while), so no connection idles meanwhile
            self.auth = auth_headers(
                self.t.auth, self.t.method, self.t.url, self.headers(), self.t.body, self.p.secrets
            )
        except AuthError as exc:
            return self.result(None, refused=f"cannot authenticate: {exc}")
        started = time.perf_counter()
        try:
            addresses = _DNS.submit(self.p.resolver, self.host, self.port).result(timeout=self.left())
        except FutureTimeout:
            self.rung("dns", False, started, f"no DNS answer for {self.host} within {self.left():.0f} s")
            return self.failed(f"NameResolutionError: Failed to resolve '{self.host}' (timed out)")
        except (OSError, UnicodeError) as exc:
            self.rung("dns", False, started, f"{self.host} does not resolve: {exc}")
            return self.failed(f"NameResolutionError: Failed to resolve '{self.host}' ({exc})")
        self.rung("dns", True, started, ", ".join(addresses[:3]))
        if not self.t.trusted:
            try:
                addresses = self.public(addresses)
            except Refused as refused:
                return self.result(None, refused=str(refused))
        return self.connect(addresses[0])

    def public(self, addresses: list[str]) -> list[str]:
        allowed, reason = [], None
        for address in addresses:
            try:
                self.p.rules.check_address(address)
                allowed.append(address)
            except Refused as refused:
                reason = refused
        if not allowed:
            raise reason
        return allowed

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
        watchdog = threading.Timer(self.left(), _cut_off, (sock,))
        watchdog.daemon = True
        watchdog.start()
        try:
            if self.scheme == "https":
                wrapped = self.tls(sock)
                if isinstance(wrapped, ProbeResult):
                    return wrapped
                sock = wrapped
            return self.request(sock)
        finally:
            watchdog.cancel()
            sock.close()

    def tls(self, sock: socket.socket) -> ssl.SSLSocket | ProbeResult:
        started = time.perf_counter()
        context = ssl.create_default_context(cafile=self.p.ca_file)
        sock.settimeout(self.left())
        try:
            wrapped = context.wrap_socket(sock, server_hostname=self.host)
        except ssl.SSLCertVerificationError as exc:
            self.rung("tls", False, started, f"certificate rejected: {exc.verify_message}")
            return self.failed(f"SSLCertVerificationError: certificate verify failed: {exc.verify_message}")
        except (ssl.SSLError, OSError) as exc:
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

    def headers(self) -> dict[str, str]:
        netloc = urlsplit(self.t.url).netloc.rsplit("@", 1)[-1]
        headers = {"Host": netloc, "User-Agent": "modelarts-triage-probe/1", "Accept": "*/*", **dict(self.t.headers)}
        if self.t.body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return headers

    def request(self, sock: socket.socket) -> ProbeResult:
        parts = urlsplit(self.t.url)
        headers = {**self.headers(), **self.auth}
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.left())
        connection.sock = sock
        sock.settimeout(self.left())
        started = time.perf_counter()
        try:
            connection.request(self.t.method, path, body=self.t.body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read(MAX_BYTES + 1)
        except ValueError as exc:  # a header value http.client will not send (CR/LF): say which, never its value
            self.rung("request", False, started, "a header value is not a single line of text")
            return self.result(None, refused=f"the request cannot be sent: {type(exc).__name__} in a header value")
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            if not isinstance(exc, TimeoutError) and time.perf_counter() < self.deadline:
                self.rung("request", False, started, f"connection dropped: {type(exc).__name__}")
                return self.failed(
                    f"ConnectionResetError: Connection reset by peer ({type(exc).__name__}) from {self.host}"
                )
            waited = time.perf_counter() - started
            self.rung("request", False, started, f"no answer within {waited:.1f} s (the gateway allows about 40 s)")
            return self.failed(f"ReadTimeout: Read timed out. (read timeout={waited:.0f}) calling {self.t.url}")
        seconds = time.perf_counter() - started
        if time.perf_counter() >= self.deadline:  # the watchdog cut the answer off: what arrived is not the answer
            self.rung("request", False, started, f"answer still incomplete after {seconds:.1f} s")
            return self.failed(f"ReadTimeout: Read timed out. (read timeout={seconds:.0f}) calling {self.t.url}")
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
        diagnosis = self.p.matcher().diagnose(text, assume_context=True)
        self.route = self.route or diagnosis.evidence.route
        best = diagnosis.best if diagnosis.matched else None
        if best and (best.code or best.layer in (Layer.CLIENT, Layer.ENGINE)):
            return self.result(best.layer.value, status=answer.status, diagnosis=diagnosis)
        return self.result((self.route or Route.CLASSIC).hops[-1].value, status=answer.status)

    def failed(self, description: str) -> ProbeResult:
        """A client-side failure, described as a client library would, diagnosed by the same matcher."""
        diagnosis = self.p.matcher().diagnose(description, assume_context=True)
        return self.result("client", diagnosis=diagnosis)

    def result(self, verdict: str | None, **extra) -> ProbeResult:
        total = round((time.perf_counter() - self.start) * 1000, 1)
        notes = _notes(self.t, extra.get("diagnosis"))
        return ProbeResult(
            mask(self.t.label), verdict, tuple(self.phases), total_ms=total, route=self.route, notes=notes, **extra
        )


def embedded_error(body: bytes) -> bool:
    """Does a 2xx body carry an error: an SSE ``data:`` frame or a JSON object with ``error`` / ``error_code``?

    MaaS relays and wrappers answer HTTP 200 and put the failure inside the stream.
    """
    text = body.decode("utf-8", "replace")
    for raw in [text.strip(), *text.splitlines()]:  # the whole body (pretty-printed JSON), then each SSE line
        line = raw.strip()
        if line.startswith("data:"):
            line = line[5:].strip()
        if not line.startswith("{"):
            continue
        try:
            frame = json.loads(line)
        except ValueError:
            continue
        if isinstance(frame, dict) and (
            frame.get("error") or frame.get("error_code") or frame.get("object") == "error"
        ):
            return True
    return False


def _notes(target: Target, diagnosis) -> tuple[str, ...]:
    """What the result means beyond its verdict, where the matcher's answer alone would mislead."""
    best = diagnosis.best if diagnosis else None
    if best and best.playbook.code == "ModelArts.81002" and target.auth.get("type", "none") == "none":
        return (
            "The MaaS gateway is reachable and answered (so DNS and the connection work); it refused only because "
            "this probe sent no API key. Register the service with `auth: {type: api_key, key_env: ...}` to "
            "test the key and the model too.",
        )
    return ()
