"""Asks the ModelArts management API (vendor SDK, AK/SK) for a real-time service's own state and recent events."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import (
    ConnectionException,
    HostUnreachableException,
    RequestTimeoutException,
    SdkException,
    ServiceResponseException,
    SslHandShakeException,
)
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmodelarts.v1 import (
    ListInferServiceEventsRequest,
    ModelArtsClient,
    ServiceEventResponse,
    ShowInferServiceRequest,
)

from bot.redact import MASK, mask
from bot.settings import ControlPlaneSettings

_REGION_HOST = re.compile(r"^modelarts\.(?P<region>[a-z0-9-]+)\.myhuaweicloud\.com$")
_SUMMARY_EVENTS = 3
_TEXT_CAP = 160


@dataclass(frozen=True)
class ServiceEvent:
    """One service event: `time` is when it last happened (ISO 8601, UTC), `level` the API's event type."""

    time: str
    level: str
    message: str


@dataclass(frozen=True)
class ServiceState:
    """What the control plane says about one service; `error` tells why (part of) the lookup failed.

    `status` is the API's status lower-cased ("running", "stopped", "failed", "deploying", "concerning", ...).
    `events` are the most recent first. When the details were read but the events were not, `status` is kept
    and `error` says the events are missing.
    """

    service_id: str
    name: str | None = None
    status: str | None = None
    failed_reason: str | None = None
    events: tuple[ServiceEvent, ...] = ()
    error: str | None = None

    def summary(self) -> str:
        """One short line for a chat reply."""
        if self.status is None and self.error:
            return f"service {self.service_id}: control-plane lookup failed: {self.error}"
        line = f"service {self.name or self.service_id} is {self.status or 'in an unknown state'}"
        if self.failed_reason:
            line += f" ({_short(self.failed_reason)})"
        if self.error:
            return f"{line}; events unavailable: {self.error}"
        if not self.events:
            return f"{line}; no recent events"
        recent = "; ".join(f"{e.level} {_short(e.message)}" for e in self.events[:_SUMMARY_EVENTS])
        return f"{line}; last events: {recent}"


@dataclass(frozen=True)
class ControlPlane:
    """Where and how to reach the ModelArts management API. `region` is informational: AK/SK signing ignores it."""

    endpoint: str
    project_id: str
    region: str
    ak: str = field(repr=False)
    sk: str = field(repr=False)
    timeout_s: float = 5.0
    verify_tls: bool = True

    @classmethod
    def from_settings(cls, settings: ControlPlaneSettings) -> ControlPlane | None:
        """The configured control plane, or None when endpoint, project id, AK or SK is missing."""
        if not settings.configured:
            return None
        region = settings.region or _region_of(settings.endpoint)
        return cls(settings.endpoint, settings.project_id, region, settings.ak, settings.sk)

    def service_state(self, service_id: str, limit: int = 5) -> ServiceState:
        """Status and up to `limit` (1..500) newest events of a service; failures come back in `error`, never raised."""
        limit = min(max(limit, 1), 500)
        try:
            with self._client() as client:
                detail = client.show_infer_service(ShowInferServiceRequest(service_id=service_id))
                state = ServiceState(
                    service_id,
                    name=detail.name or None,
                    status=detail.status.lower() if detail.status else None,
                    failed_reason=detail.failure_reason or None,
                )
                request = ListInferServiceEventsRequest(
                    service_id=service_id, limit=limit, sort_key="update_at", sort_dir="DESC"
                )
                try:
                    listed = client.list_infer_service_events(request).data or []
                except Exception as exc:
                    return replace(state, error=self._describe(exc))
        except Exception as exc:
            return ServiceState(service_id, error=self._describe(exc))
        newest = sorted(listed, key=lambda e: e.update_at or e.create_at or 0, reverse=True)[:limit]
        return replace(state, events=tuple(_event(e) for e in newest))

    @contextmanager
    def _client(self) -> Iterator[ModelArtsClient]:
        config = HttpConfig(timeout=self.timeout_s, retry_times=0, ignore_ssl_verification=not self.verify_tls)
        client = (
            ModelArtsClient.new_builder()
            .with_credentials(BasicCredentials(self.ak, self.sk, self.project_id))
            .with_endpoints([self.endpoint])
            .with_http_config(config)
            .build()
        )
        try:
            yield client
        finally:  # the SDK keeps a session and a signing thread pool per client
            client.close()
            client.get_http_client().executor.shutdown(wait=False)

    def _describe(self, exc: Exception) -> str:
        """A short, secret-free account of a failed SDK call."""
        if isinstance(exc, ServiceResponseException):
            code = f" {exc.error_code}" if exc.error_code and exc.error_code != str(exc.status_code) else ""
            text = f"HTTP {exc.status_code}{code}" + (f": {_short(str(exc.error_msg))}" if exc.error_msg else "")
        elif isinstance(exc, HostUnreachableException):
            text = f"cannot resolve the host of {self.endpoint}"
        elif isinstance(exc, SslHandShakeException):
            text = f"TLS handshake with {self.endpoint} failed"
        elif isinstance(exc, RequestTimeoutException) or "timed out" in str(exc):  # read timeouts: ConnectionException
            text = f"no answer from {self.endpoint} within {self.timeout_s:g}s"
        elif isinstance(exc, ConnectionException):
            reason = "connection refused" if "refused" in str(exc).lower() else "connection failed"
            text = f"cannot reach {self.endpoint} ({reason})"
        elif isinstance(exc, SdkException):
            text = f"SDK error: {_short(str(exc.error_msg))}"
        else:
            text = f"unexpected {type(exc).__name__} from the ModelArts SDK"
        for secret in (self.sk, self.ak):
            text = text.replace(secret, MASK)
        return mask(text)


def _region_of(endpoint: str) -> str:
    """`cn-north-4` for https://modelarts.cn-north-4.myhuaweicloud.com; empty when the host does not say."""
    host = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}").hostname or ""
    match = _REGION_HOST.match(host)
    return match["region"] if match else ""


def _event(raw: ServiceEventResponse) -> ServiceEvent:
    """Map the SDK's ServiceEventResponse (times in epoch milliseconds)."""
    millis = raw.update_at or raw.create_at
    when = datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if millis else ""
    return ServiceEvent(time=when, level=raw.event_type or "", message=raw.event_info or raw.event_info_cn or "")


def _short(text: str) -> str:
    """One line, at most _TEXT_CAP characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _TEXT_CAP else flat[: _TEXT_CAP - 1] + "…"
