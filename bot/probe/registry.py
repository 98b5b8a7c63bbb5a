"""The services registry (``services.yaml``): the prediction endpoints an admin lets the bot probe.

    services:
      ocr-prod:
        url: https://<id>.apig.cn-north-4.huaweicloudapis.com/v1/infers/<uuid>
        method: POST
        auth: {type: token, token_env: OCR_TOKEN}
        body_file: samples/ocr.json        # or body: '{"images": ...}'
        headers: {Content-Type: application/json}
        timeout_s: 20

Secrets come from the environment only (``*_env`` names a variable). A broken registry is refused
with the file, the entry, the field and the line.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.playbook import line_of

AUTH_FIELDS = {
    "none": (),
    "token": ("token_env",),
    "appcode": ("appcode_env",),
    "aksk": ("key_env", "secret_env"),
    "iam_password": ("iam_url", "domain", "user", "password_env", "project"),
}
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MAX_BODY = 12 * 1024 * 1024
MAX_TIMEOUT_S = 60.0


class RegistryError(Exception):
    """The services file is unusable; the message names file, entry, field and line."""


@dataclass(frozen=True)
class Service:
    """One registered prediction endpoint."""

    name: str
    url: str
    method: str = "POST"
    auth: dict = field(default_factory=lambda: {"type": "none"})
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    timeout_s: float = 20.0

    @property
    def service_id(self) -> str | None:
        m = re.search(r"/infers/([0-9a-fA-F-]{36})", urlsplit(self.url).path)
        return m.group(1).lower() if m else None


@dataclass(frozen=True)
class Registry:
    services: dict[str, Service]

    def get(self, name: str) -> Service | None:
        return self.services.get(name.strip().lower())

    def for_url(self, url: str, service_id: str | None) -> Service | None:
        """The registered service a pasted URL belongs to (same service id, or the same URL)."""
        for service in self.services.values():
            if (service_id and service.service_id == service_id) or service.url.rstrip("/") == url.rstrip("/"):
                return service
        return None

    @classmethod
    def empty(cls) -> Registry:
        return cls({})

    @classmethod
    def from_env(cls, path: str | None = None, env=None) -> Registry:
        """``path`` or ``$SERVICES_FILE``; an empty registry when neither is set."""
        env = os.environ if env is None else env
        chosen = path or env.get("SERVICES_FILE")
        return cls.load(Path(chosen)) if chosen else cls.empty()

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{path}: cannot read the services file: {exc}") from None
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise RegistryError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: {exc}") from None

        def fail(where: list, message: str):
            entry = f" service {where[1]!r}" if len(where) > 1 else ""
            raise RegistryError(f"{path}:{line_of(text, where)}:{entry} {message}")

        if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
            fail([], "must be a mapping with a 'services:' mapping of name -> service")
        services = {}
        for name, entry in doc["services"].items():
            where = ["services", name]
            if not isinstance(name, str) or not NAME.match(name):
                fail(where, "name must be lower-case letters, digits, '.', '_' or '-' (at most 63)")
            if not isinstance(entry, dict):
                fail(where, "must be a mapping with at least 'url'")
            unknown = set(entry) - {"url", "method", "auth", "body", "body_file", "headers", "timeout_s"}
            if unknown:
                fail([*where, sorted(unknown)[0]], f"field {sorted(unknown)[0]!r} is not known")
            url = entry.get("url")
            if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                fail([*where, "url"], "field 'url' must be an http(s) URL")
            if urlsplit(url).username or urlsplit(url).password:
                fail([*where, "url"], "field 'url' must not carry credentials; use 'auth'")
            method = str(entry.get("method", "POST")).upper()
            if method not in ("POST", "GET", "PUT"):
                fail([*where, "method"], "field 'method' must be POST, GET or PUT")
            auth = entry.get("auth", {"type": "none"})
            if not isinstance(auth, dict) or auth.get("type") not in AUTH_FIELDS:
                fail([*where, "auth"], f"field 'auth.type' must be one of {', '.join(AUTH_FIELDS)}")
            for needed in AUTH_FIELDS[auth["type"]]:
                if not isinstance(auth.get(needed), str) or not auth[needed]:
                    fail([*where, "auth"], f"field 'auth.{needed}' is required for auth type {auth['type']}")
            secrets = {k for k in auth if k in ("token", "appcode", "key", "secret", "password", "sk", "ak")}
            if secrets:
                fail([*where, "auth"], f"field 'auth.{sorted(secrets)[0]}': secrets come from the environment (*_env)")
            body = entry.get("body", "")
            if "body" in entry and "body_file" in entry:
                fail([*where, "body_file"], "give either 'body' or 'body_file', not both")
            if "body_file" in entry:
                body_path = path.parent / str(entry["body_file"])
                try:
                    body = body_path.read_bytes()
                except OSError as exc:
                    fail([*where, "body_file"], f"field 'body_file' cannot be read: {exc}")
            if isinstance(body, dict | list):
                body = json.dumps(body)
            body = body.encode() if isinstance(body, str) else body
            if not isinstance(body, bytes) or len(body) > MAX_BODY:
                fail([*where, "body"], "field 'body' must be text or JSON of at most 12 MB")
            headers = entry.get("headers", {})
            if not isinstance(headers, dict) or not all(isinstance(v, str | int) for v in headers.values()):
                fail([*where, "headers"], "field 'headers' must map header names to text")
            timeout = entry.get("timeout_s", 20)
            if not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT_S:
                fail([*where, "timeout_s"], "field 'timeout_s' must be a number of seconds, above 0, at most 60")
            services[name] = Service(
                name=name,
                url=url,
                method=method,
                auth=dict(auth),
                body=body,
                headers=tuple((str(k), str(v)) for k, v in headers.items()),
                timeout_s=float(timeout),
            )
        return cls(services)
