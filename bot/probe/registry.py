"""The services registry (``services.yaml``): the prediction endpoints an admin lets the bot probe.

    services:
      ocr-prod:
        url: https://<id>.apig.cn-north-4.huaweicloudapis.com/v1/infers/<uuid>
        method: POST
        auth: {type: token, token_env: OCR_TOKEN}
        body_file: samples/ocr.json        # or body: '{"images": ...}'
        headers: {Content-Type: application/json}
        timeout_s: 20

Checked against ``services.schema.json`` (editors validate as you type). Secrets come from the
environment only (``*_env`` names a variable): secrets written in the file are refused
(``inline_secrets``), and so are control characters (CR/LF) in URLs and headers, body files outside
the file's folder (``..``, absolute paths, symlinks) or over 12 MB or not regular files, a services
file over 1 MB, and YAML aliases, deep nesting and unreadable values (``admin_file``). A broken
registry is refused with the file, the entry, the field and the line, never quoting a value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import fastjsonschema

from bot.admin_file import FileProblem, load_yaml, read_bounded
from bot.playbook import line_of
from bot.probe.inline_secrets import inline_secrets, secret_name

SCHEMA_PATH = Path(__file__).with_name("services.schema.json")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MAX_BODY = 12 * 1024 * 1024
MAX_FILE = 1024 * 1024
"""Largest services file read."""


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
    def open(cls, path: Path | None) -> Registry:
        """The services file at ``path``; an empty registry when there is none."""
        return cls.load(Path(path)) if path else cls.empty()

    @classmethod
    def load(cls, path: Path) -> Registry:
        """Read and check a services file; ``RegistryError`` names file, entry, field and line."""
        text, doc = _read(path)
        fail = _Failer(path, text)
        if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
            fail([], "must be a mapping with a 'services:' mapping of name -> service")
        for name, entry in doc["services"].items():
            if not isinstance(name, str) or not NAME.match(name):
                fail(["services", name], "name must be lower-case letters, digits, '.', '_' or '-' (at most 63)")
            for keys, message in inline_secrets(entry):  # before the schema, so a secret is called a secret
                fail(["services", name, *keys], message)
        try:
            _validator()(doc)
        except fastjsonschema.JsonSchemaValueException as exc:
            fail(*_explain(exc))
        return cls({name: _service(name, entry, path, fail) for name, entry in doc["services"].items()})


class _Failer:
    """Raises ``RegistryError`` located to the line of the node at ``where``."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def __call__(self, where: list, message: str):
        entry = f" service {where[1]!r}" if len(where) > 1 else ""
        raise RegistryError(f"{self.path}:{line_of(self.text, where)}:{entry} {message}")


def _read(path: Path) -> tuple[str, object]:
    """The file's text and YAML document (at most 1 MB, no aliases, bounded nesting; see ``admin_file``)."""
    try:
        text = read_bounded(path, MAX_FILE).decode("utf-8")
    except FileProblem as problem:
        raise RegistryError(f"{path}: the services file {problem}") from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: the services file is not UTF-8 text (byte {exc.start})") from None
    try:
        return text, load_yaml(text) or {}
    except FileProblem as problem:
        where = problem.where
        entry = f" service {where[1]!r}" if len(where) > 1 and where[0] == "services" else ""
        keys = [str(key) for key in where[2:]]
        dotted = ".".join(keys[:4]) + (".…" if len(keys) > 4 else "")
        field = f" field '{dotted}':" if keys and entry else ""
        raise RegistryError(f"{path}:{problem.line}:{entry}{field} {problem}") from None


@cache
def _validator():
    return fastjsonschema.compile(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _explain(exc: fastjsonschema.JsonSchemaValueException) -> tuple[list, str]:
    """Where a schema violation is, and what to do about it, in the words of the schema's descriptions."""
    where = list(exc.path[1:])
    definition = exc.definition if isinstance(exc.definition, dict) else {}
    value = exc.value if isinstance(exc.value, dict) else {}
    dotted = ".".join(str(p) for p in where[2:])
    if exc.rule == "additionalProperties":
        extra = sorted(str(k) for k in set(value) - set(definition.get("properties", {})))[0]
        if secret_name(extra):
            return where, f"field '{_join(dotted, extra)}': secrets come from the environment (*_env), not this file"
        return [*where, extra], f"field '{_join(dotted, extra)}' is not known"
    if exc.rule == "required":
        missing = next((r for r in exc.rule_definition if r not in value), exc.rule_definition[0])
        kind = f" for auth type {value.get('type')}" if dotted == "auth" else ""
        return where, f"field '{_join(dotted, missing)}' is required{kind}"
    return where, f"field '{dotted}' {definition.get('description') or exc.message}"


def _join(dotted: str, name: str) -> str:
    return f"{dotted}.{name}" if dotted else name


def _service(name: str, entry: dict, path: Path, fail: _Failer) -> Service:
    """The checks a schema cannot make: credentials in the URL, the body file, the body's size."""
    where = ["services", name]
    url = entry["url"]
    if urlsplit(url).username or urlsplit(url).password or not urlsplit(url).hostname:
        fail([*where, "url"], "field 'url' must be an http(s) URL with a host and no credentials (use 'auth')")
    if "body" in entry and "body_file" in entry:
        fail([*where, "body_file"], "give either 'body' or 'body_file', not both")
    body = (
        _body_file(path, entry["body_file"], [*where, "body_file"], fail)
        if "body_file" in entry
        else entry.get("body", "")
    )
    if isinstance(body, dict | list):
        body = json.dumps(body)
    body = body.encode() if isinstance(body, str) else body
    if len(body) > MAX_BODY:
        fail([*where, "body"], "field 'body' must be at most 12 MB")
    return Service(
        name=name,
        url=url,
        method=str(entry.get("method", "POST")).upper(),
        auth=dict(entry.get("auth", {"type": "none"})),
        body=body,
        headers=tuple((str(k), str(v)) for k, v in (entry.get("headers") or {}).items()),
        timeout_s=float(entry.get("timeout_s", 20)),
    )


def _body_file(services: Path, name: str, where: list, fail: _Failer) -> bytes:
    """A regular file of at most 12 MB inside the services file's folder (after ``..`` and symlinks)."""
    folder = services.resolve().parent
    target = (folder / name).resolve()
    if not target.is_relative_to(folder):
        fail(
            where,
            "field 'body_file' must stay inside the services file's folder (no '..', absolute path or symlink out)",
        )
    try:
        return read_bounded(target, MAX_BODY)
    except FileProblem as problem:
        fail(where, f"field 'body_file' {problem} ({name})")
